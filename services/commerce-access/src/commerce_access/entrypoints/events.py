"""The events commerce-access consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from commerce_access.service_layer.customers import RecordCustomer, record_customer
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import UserRegistered
from trainyard_common.messaging.subscriptions import EventSubscriptions


def register_handlers(subscriptions: EventSubscriptions) -> None:
    @subscriptions.handler(UserRegistered)
    async def on_user_registered(event: UserRegistered, uow: CommerceUnitOfWork) -> None:
        """Keep the customer projection: e-mail and name, for imports and registration codes."""
        command = RecordCustomer(
            event.customer_id,
            str(event.email),
            event.first_name,
            event.last_name,
            event.registered_at,
        )
        await record_customer(uow, command)
