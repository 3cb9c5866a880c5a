"""The events customer-account publishes (``PUBLISHED``) and consumes. Each handler: contract → service layer.

The frequent ones take a whole partition batch (one transaction, a few statements, no event
emitted); an erasure receipt, rare, is taken one event at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from customer_account.domain.orders import AccessState
from customer_account.service_layer import activity_feed, commerce, erasure
from customer_account.service_layer.clients import record_clients
from customer_account.service_layer.imports import record_row_order
from customer_account.service_layer.invitations import send_invitation
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerImportedV2,
    CustomerProfileUpdated,
    CustomerProfileUpdatedV2,
    CustomerStatusChanged,
    ImportRowOrderSettled,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
    ProgressRecorded,
    RegistrationCodeInvited,
    TrainingCompleted,
    UserRegistered,
    UserRegisteredV2,
)
from trainyard_common.contracts.base import Event
from trainyard_common.contracts.commerce import _AccessFacts
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.projections.clients import ClientNews

E = TypeVar("E", bound=Event)


PUBLISHED: tuple[type[Event], ...] = (
    UserRegistered,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerErased,
    CustomerDeletionRequested,
    CustomerDeleted,
    # version 2 of the events with personal data, sealed (issue 16); version 1 (deprecated) carries them empty
    UserRegisteredV2,
    CustomerProfileUpdatedV2,
    CustomerImportedV2,
)


def register_handlers(subscriptions: EventSubscriptions) -> None:
    subscriptions.batch_handler(OrderCompleted)(on_orders_completed)
    subscriptions.batch_handler(AccessGranted)(on_access_granted)
    subscriptions.batch_handler(AccessChanged)(on_access_changed)
    subscriptions.batch_handler(AccessRevoked)(on_access_revoked)
    subscriptions.batch_handler(AccessExpired)(on_access_expired)
    subscriptions.handler(CustomerErasureCompleted)(on_erasure_completed)
    subscriptions.handler(CustomerDeletionDecided)(on_deletion_decided)
    subscriptions.handler(ImportRowOrderSettled)(on_import_row_order_settled)
    subscriptions.batch_handler(LearnerAssignedToClient)(on_learners_assigned)
    subscriptions.batch_handler(LearnerRemovedFromClient)(on_learners_removed)
    subscriptions.handler(RegistrationCodeInvited)(on_registration_code_invited)
    subscriptions.batch_handler(ProgressRecorded)(on_progress_recorded)
    subscriptions.batch_handler(TrainingCompleted)(on_training_completed)


async def on_orders_completed(events: Sequence[Delivered[OrderCompleted]], uow: CustomerUnitOfWork) -> None:
    """Order history (blocks deletion) and the order confirmation e-mail."""
    await commerce.record_orders(uow, [d.event for d in events])
    await activity_feed.record(uow, events)


async def on_access_granted(events: Sequence[Delivered[AccessGranted]], uow: CustomerUnitOfWork) -> None:
    """The customer holds access (blocks deletion)."""
    await commerce.record_access(uow, [_access(e, active=True, at=e.granted_at) for e in _events(events)])
    await activity_feed.record(uow, events)


async def on_access_changed(events: Sequence[Delivered[AccessChanged]], uow: CustomerUnitOfWork) -> None:
    """An admin moved the dates: an end pushed into the future makes expired access count again."""
    await commerce.record_access(uow, [_access(e, active=_counts(e), at=e.changed_at) for e in _events(events)])
    await activity_feed.record(uow, events)


async def on_access_revoked(events: Sequence[Delivered[AccessRevoked]], uow: CustomerUnitOfWork) -> None:
    """That access no longer blocks deletion."""
    await commerce.record_access(uow, [_access(e, active=False, at=e.revoked_at) for e in _events(events)])
    await activity_feed.record(uow, events)


async def on_access_expired(events: Sequence[Delivered[AccessExpired]], uow: CustomerUnitOfWork) -> None:
    """That access no longer blocks deletion."""
    await commerce.record_access(uow, [_access(e, active=False, at=e.expired_at) for e in _events(events)])
    await activity_feed.record(uow, events)


async def on_progress_recorded(events: Sequence[Delivered[ProgressRecorded]], uow: CustomerUnitOfWork) -> None:
    """The activity log: progress started or scored, and quiz submissions."""
    await activity_feed.record(uow, events)


async def on_training_completed(events: Sequence[Delivered[TrainingCompleted]], uow: CustomerUnitOfWork) -> None:
    """The activity log: a module, course or certification completed."""
    await activity_feed.record(uow, events)


async def on_erasure_completed(event: CustomerErasureCompleted, uow: CustomerUnitOfWork) -> None:
    """A service's receipt for the certificate of erasure."""
    await erasure.record_receipt(uow, event)


async def on_deletion_decided(event: CustomerDeletionDecided, uow: CustomerUnitOfWork) -> None:
    """commerce-access's answer: approved deletes the customer (CustomerDeleted), refused cancels."""
    await erasure.apply_deletion_decision(uow, event)


async def on_import_row_order_settled(event: ImportRowOrderSettled, uow: CustomerUnitOfWork) -> None:
    """An import row's Price ID ordered or refused: the import's result shows it."""
    await record_row_order(uow, event)


async def on_learners_assigned(events: Sequence[Delivered[LearnerAssignedToClient]], uow: CustomerUnitOfWork) -> None:
    """The customer's client, for the admin list's client filter."""
    await record_clients(uow, [ClientNews.of(d.event) for d in events])


async def on_learners_removed(events: Sequence[Delivered[LearnerRemovedFromClient]], uow: CustomerUnitOfWork) -> None:
    """No client any more (unless a later assignment already moved the customer elsewhere)."""
    await record_clients(uow, [ClientNews.of(d.event) for d in events])


LEARNER_SITE = {"url": "http://localhost:3000"}
"""The learner site the invitation links point to; ``bootstrap`` sets it from ``learner_site_url``."""


def use_learner_site(url: str) -> None:
    LEARNER_SITE["url"] = url


async def on_registration_code_invited(event: RegistrationCodeInvited, uow: CustomerUnitOfWork) -> None:
    """A purchaser invited someone to a code: the invitation e-mail (once: processed_events)."""
    await send_invitation(uow, event, LEARNER_SITE["url"])


def _events(deliveries: Sequence[Delivered[E]]) -> list[E]:
    return [d.event for d in deliveries]


def _counts(change: AccessChanged) -> bool:
    """Whether the access counts again after the change: it has not ended yet."""
    return change.ends_on is None or change.ends_on >= change.changed_at.date()


def _access(event: _AccessFacts, *, active: bool, at: datetime) -> AccessState:
    return AccessState(event.access_id, event.customer_id, event.product_id, active=active, changed_at=at)
