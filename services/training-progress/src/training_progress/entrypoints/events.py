"""The events training-progress consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from training_progress.service_layer.customers import RecordCustomer, record_customer
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.contracts import UserRegistered
from trainyard_common.messaging.subscriptions import EventSubscriptions


def register_handlers(subscriptions: EventSubscriptions) -> None:
    @subscriptions.handler(UserRegistered)
    async def on_user_registered(event: UserRegistered, uow: ProgressUnitOfWork) -> None:
        """Keep the customer projection: e-mail and name, for progress imports and transcripts."""
        command = RecordCustomer(
            event.customer_id,
            str(event.email),
            event.first_name,
            event.last_name,
            event.registered_at,
        )
        await record_customer(uow, command)
