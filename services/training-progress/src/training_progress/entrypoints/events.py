"""The events training-progress consumes. Each handler: contract → command → service layer."""

from __future__ import annotations

from datetime import UTC, datetime

from training_progress.adapters.projections import AccessRow
from training_progress.service_layer import lifecycle
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerErased,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
)
from trainyard_common.contracts.commerce import _AccessFacts
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.projections.customers import keep_customer_projection


def register_handlers(subscriptions: EventSubscriptions) -> None:
    keep_customer_projection(subscriptions)

    @subscriptions.handler(LearnerAssignedToClient)
    async def on_learner_assigned(event: LearnerAssignedToClient, uow: ProgressUnitOfWork) -> None:
        """The learner's partner (the Partner filter and partner summaries)."""
        await uow.projections.assign_client(event.customer_id, event.client_id, event.client_name, event.assigned_at)

    @subscriptions.handler(LearnerRemovedFromClient)
    async def on_learner_removed(event: LearnerRemovedFromClient, uow: ProgressUnitOfWork) -> None:
        """The learner belongs to no partner any more."""
        await uow.projections.remove_client(event.customer_id, event.client_id)

    @subscriptions.handler(AccessGranted)
    async def on_access_granted(event: AccessGranted, uow: ProgressUnitOfWork) -> None:
        """The transcript lists what the customer has access to, until when."""
        await uow.projections.save_access(_access(event, "active"), datetime.now(UTC))

    @subscriptions.handler(AccessChanged)
    async def on_access_changed(event: AccessChanged, uow: ProgressUnitOfWork) -> None:
        """New access dates (the transcript's expiry)."""
        await uow.projections.save_access(_access(event, "active"), datetime.now(UTC))

    @subscriptions.handler(AccessRevoked)
    async def on_access_revoked(event: AccessRevoked, uow: ProgressUnitOfWork) -> None:
        """Access taken away before its end."""
        await uow.projections.save_access(_access(event, "revoked"), datetime.now(UTC))

    @subscriptions.handler(AccessExpired)
    async def on_access_expired(event: AccessExpired, uow: ProgressUnitOfWork) -> None:
        """Access reached its end date."""
        await uow.projections.save_access(_access(event, "expired"), datetime.now(UTC))

    @subscriptions.handler(CustomerErased)
    async def on_customer_erased(event: CustomerErased, uow: ProgressUnitOfWork) -> None:
        """Drop the customer's personal data, keep the anonymous progress; send the receipt."""
        await lifecycle.erase_customer(uow, event.customer_id)

    @subscriptions.handler(CustomerDeleted)
    async def on_customer_deleted(event: CustomerDeleted, uow: ProgressUnitOfWork) -> None:
        """Remove the customer's progress, quiz submissions and CMI data; send the receipt."""
        await lifecycle.delete_customer(uow, event.customer_id)


def _access(event: _AccessFacts, state: str) -> AccessRow:
    item = event.training_item
    return AccessRow(
        access_id=event.access_id,
        customer_id=event.customer_id,
        item_type=item.type.value if item else None,
        item_id=item.id if item else None,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        state=state,
    )
