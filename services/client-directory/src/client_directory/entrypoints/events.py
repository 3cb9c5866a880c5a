"""The events client-directory consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from client_directory.service_layer.mapping import LearnerSeen, record_learner
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import UserRegistered
from trainyard_common.messaging.subscriptions import EventSubscriptions


def register_handlers(subscriptions: EventSubscriptions) -> None:
    @subscriptions.handler(UserRegistered)
    async def on_user_registered(event: UserRegistered, uow: DirectoryUnitOfWork) -> None:
        """Keep the learner and map them to a client by e-mail domain or organisation alias."""
        await record_learner(uow, LearnerSeen(event.customer_id, str(event.email), event.organization))
