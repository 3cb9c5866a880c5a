"""The events customer-account consumes. Each handler: contract → service layer."""

from __future__ import annotations

from customer_account.service_layer import commerce, lifecycle
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerErasureCompleted,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
)
from trainyard_common.messaging.subscriptions import EventSubscriptions


def register_handlers(subscriptions: EventSubscriptions) -> None:
    @subscriptions.handler(OrderCompleted)
    async def on_order_completed(event: OrderCompleted, uow: CustomerUnitOfWork) -> None:
        """Order history (blocks deletion) and the order confirmation e-mail."""
        await commerce.record_order(uow, event)

    @subscriptions.handler(AccessGranted)
    async def on_access_granted(event: AccessGranted, uow: CustomerUnitOfWork) -> None:
        """The customer holds access (blocks deletion)."""
        await commerce.record_access(
            uow, event.access_id, event.customer_id, event.product_id, active=True, at=event.granted_at
        )

    @subscriptions.handler(AccessChanged)
    async def on_access_changed(event: AccessChanged, uow: CustomerUnitOfWork) -> None:
        """An admin moved the dates: an end pushed into the future makes expired access count again."""
        active = event.ends_on is None or event.ends_on >= event.changed_at.date()
        await commerce.record_access(
            uow, event.access_id, event.customer_id, event.product_id, active=active, at=event.changed_at
        )

    @subscriptions.handler(AccessRevoked)
    async def on_access_revoked(event: AccessRevoked, uow: CustomerUnitOfWork) -> None:
        """That access no longer blocks deletion."""
        await commerce.record_access(
            uow, event.access_id, event.customer_id, event.product_id, active=False, at=event.revoked_at
        )

    @subscriptions.handler(AccessExpired)
    async def on_access_expired(event: AccessExpired, uow: CustomerUnitOfWork) -> None:
        """That access no longer blocks deletion."""
        await commerce.record_access(
            uow, event.access_id, event.customer_id, event.product_id, active=False, at=event.expired_at
        )

    @subscriptions.handler(CustomerErasureCompleted)
    async def on_erasure_completed(event: CustomerErasureCompleted, uow: CustomerUnitOfWork) -> None:
        """A service's receipt for the certificate of erasure."""
        await lifecycle.record_receipt(uow, event)

    @subscriptions.handler(LearnerAssignedToClient)
    async def on_learner_assigned(event: LearnerAssignedToClient, uow: CustomerUnitOfWork) -> None:
        """The customer's client, for the admin list's client filter."""
        await uow.customers.set_client(event.customer_id, event.client_id)

    @subscriptions.handler(LearnerRemovedFromClient)
    async def on_learner_removed(event: LearnerRemovedFromClient, uow: CustomerUnitOfWork) -> None:
        """No client any more (unless a later assignment already moved the customer elsewhere)."""
        await uow.customers.set_client(event.customer_id, None, unless=event.client_id)
