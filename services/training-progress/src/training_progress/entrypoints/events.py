"""The events training-progress consumes (each handler: contract → command → service layer) and
those it publishes.

The frequent ones take a whole partition batch (one transaction, one or two statements);
erasure and deletion, rare and heavier, take one event at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from training_progress.domain.learners import AccessRow, LearnerClient
from training_progress.service_layer import erasure, partners
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerProfileUpdatedV2,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    ProgressDeleted,
    ProgressRecorded,
    TrainingCompleted,
    UserRegisteredV2,
)
from trainyard_common.contracts.commerce import _AccessFacts
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.privacy.consumers import CustomerKeySource, dropping_the_key
from trainyard_common.projections import customers
from trainyard_common.projections.clients import ClientNews

PUBLISHED = (ProgressRecorded, TrainingCompleted, ProgressDeleted, CustomerErasureCompleted)


def register_handlers(subscriptions: EventSubscriptions, keys: CustomerKeySource) -> None:
    """``keys``: the customers' keys, to unseal the version 2 topics' personal fields (issue 16)."""
    projection = customers.SealedCustomerEvents(keys)
    subscriptions.batch_handler(UserRegisteredV2)(projection.on_users_registered)
    subscriptions.batch_handler(CustomerProfileUpdatedV2)(projection.on_customer_profiles_updated)
    subscriptions.batch_handler(LearnerAssignedToClient)(on_learners_assigned)
    subscriptions.batch_handler(LearnerRemovedFromClient)(on_learners_removed)
    subscriptions.batch_handler(AccessGranted)(on_access_granted)
    subscriptions.batch_handler(AccessChanged)(on_access_changed)
    subscriptions.batch_handler(AccessRevoked)(on_access_revoked)
    subscriptions.batch_handler(AccessExpired)(on_access_expired)
    subscriptions.handler(CustomerErased)(dropping_the_key(keys, on_customer_erased))
    subscriptions.handler(CustomerDeleted)(dropping_the_key(keys, on_customer_deleted))


async def on_learners_assigned(events: Sequence[Delivered[LearnerAssignedToClient]], uow: ProgressUnitOfWork) -> None:
    """The learner's partner (the Partner filter and partner summaries)."""
    await partners.assign(uow, [_partner(d.event) for d in events])


async def on_learners_removed(events: Sequence[Delivered[LearnerRemovedFromClient]], uow: ProgressUnitOfWork) -> None:
    """The learner belongs to no partner any more (unless already moved to another one)."""
    await partners.remove(uow, [ClientNews.of(d.event) for d in events])


async def on_access_granted(events: Sequence[Delivered[AccessGranted]], uow: ProgressUnitOfWork) -> None:
    """The transcript lists what the customer has access to, until when."""
    await _save_access(uow, [(d.event, d.event.granted_at) for d in events], "active")


async def on_access_changed(events: Sequence[Delivered[AccessChanged]], uow: ProgressUnitOfWork) -> None:
    """New access dates (the transcript's expiry)."""
    await _save_access(uow, [(d.event, d.event.changed_at) for d in events], "active")


async def on_access_revoked(events: Sequence[Delivered[AccessRevoked]], uow: ProgressUnitOfWork) -> None:
    """Access taken away before its end."""
    await _save_access(uow, [(d.event, d.event.revoked_at) for d in events], "revoked")


async def on_access_expired(events: Sequence[Delivered[AccessExpired]], uow: ProgressUnitOfWork) -> None:
    """Access reached its end date."""
    await _save_access(uow, [(d.event, d.event.expired_at) for d in events], "expired")


async def on_customer_erased(event: CustomerErased, uow: ProgressUnitOfWork) -> None:
    """Drop the customer's personal data, keep the anonymous progress; send the receipt."""
    await erasure.erase_customer(uow, event.customer_id)


async def on_customer_deleted(event: CustomerDeleted, uow: ProgressUnitOfWork) -> None:
    """Remove the customer's progress, quiz submissions and CMI data; send the receipt."""
    await erasure.delete_customer(uow, event.customer_id)


async def _save_access(uow: ProgressUnitOfWork, events: Sequence[tuple[_AccessFacts, datetime]], state: str) -> None:
    """Each event with its own time (of one row's events the latest wins: they come on four topics)."""
    await uow.projections.save_access([_access(e, state, at) for e, at in events], datetime.now(UTC))


def _partner(event: LearnerAssignedToClient) -> LearnerClient:
    return LearnerClient(event.customer_id, event.client_id, event.client_name, event.assigned_at)


def _access(event: _AccessFacts, state: str, at: datetime) -> AccessRow:
    item = event.training_item
    return AccessRow(
        access_id=event.access_id,
        customer_id=event.customer_id,
        item_type=item.type.value if item else None,
        item_id=item.id if item else None,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        state=state,
        changed_at=at,
    )
