"""The events client-directory consumes and publishes. Each handler: contracts → commands → service layer.

The frequent ones take a whole partition batch (one transaction, a few statements); erasure
and deletion, rare and heavier, take one event at a time.

Registrations and profile changes are read from the sealed version 2 topics (issue 16: version 1
carries the e-mail and organisation empty): one key lookup per batch (``keys``), each event
unsealed with its customer's key; an erased customer's event (key destroyed) is skipped, and
customer-account away retries the batch (``trainyard_common.privacy.consumers``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from client_directory.domain.reporting import OrderFact, ProgressFact
from client_directory.service_layer import erasure, reporting
from client_directory.service_layer.mapping import LearnerBatch, LearnerNews, LearnerSeen, ProfileChanged
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import (
    CustomerDeleted,
    CustomerErased,
    CustomerErasureCompleted,
    CustomerProfileUpdatedV2,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
    ProgressDeleted,
    ProgressRecorded,
    TrainingCompleted,
    UserRegisteredV2,
)
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.privacy.consumers import CustomerKeySource, dropping_the_key, open_batch
from trainyard_common.vocabulary import ProfileField, ProgressStatus

REMAP_FIELDS = {ProfileField.EMAIL, ProfileField.ORGANIZATION}
S = TypeVar("S", UserRegisteredV2, CustomerProfileUpdatedV2)


PUBLISHED = (LearnerAssignedToClient, LearnerRemovedFromClient, CustomerErasureCompleted)
"""The events client-directory publishes (through its outbox)."""


def register_handlers(subscriptions: EventSubscriptions, keys: CustomerKeySource) -> None:
    """``keys``: the customers' keys, to unseal the version 2 topics' personal fields."""
    learners = SealedLearnerEvents(keys)
    subscriptions.batch_handler(UserRegisteredV2)(learners.on_users_registered)
    subscriptions.batch_handler(CustomerProfileUpdatedV2)(learners.on_profiles_updated)
    subscriptions.batch_handler(ProgressRecorded)(on_progress_recorded)
    subscriptions.batch_handler(TrainingCompleted)(on_training_completed)
    subscriptions.batch_handler(ProgressDeleted)(on_progress_deleted)
    subscriptions.batch_handler(OrderCompleted)(on_orders_completed)
    subscriptions.handler(CustomerErased)(dropping_the_key(keys, on_customer_erased))
    subscriptions.handler(CustomerDeleted)(dropping_the_key(keys, on_customer_deleted))


MAPPED_BY = ("email", "organization")
"""The only personal fields this service opens: a learner is mapped by them (names stay sealed)."""


class SealedLearnerEvents:
    """Registrations and profile changes, unsealed with ``keys``."""

    def __init__(self, keys: CustomerKeySource) -> None:
        self.keys = keys

    async def on_users_registered(
        self, events: Sequence[Delivered[UserRegisteredV2]], uow: DirectoryUnitOfWork
    ) -> None:
        """Keep the learner and map them to a client by e-mail domain or organisation alias."""
        await self._learner_news(uow, events, _seen)

    async def on_profiles_updated(
        self, events: Sequence[Delivered[CustomerProfileUpdatedV2]], uow: DirectoryUnitOfWork
    ) -> None:
        """Re-map on an e-mail or organisation change (manual and class assignments stay)."""
        await self._learner_news(uow, events, _changed)

    async def _learner_news(
        self,
        uow: DirectoryUnitOfWork,
        events: Sequence[Delivered[S]],
        news_of: Callable[[Mapping[str, Any]], LearnerNews],
    ) -> None:
        """Apply registrations or profile changes in order; what each emits keeps its event's cause.

        The keys are asked for while the learners load (both need the ids alone): on a busy
        system customer-account's answer and those queries each take tens of milliseconds, and
        every batch of the partition waits for this one. An erased customer's event is skipped."""
        opening = asyncio.ensure_future(open_batch(events, self.keys, MAPPED_BY))
        try:
            batch = await LearnerBatch.load_learners(uow, [d.event.customer_id for d in events])
        except BaseException:
            opening.cancel()
            raise
        opened = [(delivered, news_of(fields)) for delivered, fields in await opening if fields is not None]
        await batch.load_clients(uow, [news for _, news in opened])
        for delivered, news in opened:
            uow.cause = delivered.cause
            batch.apply(uow, news)
        await batch.save(uow)


async def on_progress_recorded(events: Sequence[Delivered[ProgressRecorded]], uow: DirectoryUnitOfWork) -> None:
    """Reporting: a progress entry started, changed or completed."""
    await reporting.record_progress(uow, [_recorded(d.event) for d in events])


async def on_training_completed(events: Sequence[Delivered[TrainingCompleted]], uow: DirectoryUnitOfWork) -> None:
    """Reporting: a completion (sent once per progress entry)."""
    await reporting.record_progress(uow, [_completed(d.event) for d in events])


async def on_progress_deleted(events: Sequence[Delivered[ProgressDeleted]], uow: DirectoryUnitOfWork) -> None:
    """Reporting: deleted progress is no longer counted."""
    await reporting.delete_progress(uow, [(_deleted(d.event), d.event.deleted_at) for d in events])


async def on_orders_completed(events: Sequence[Delivered[OrderCompleted]], uow: DirectoryUnitOfWork) -> None:
    """Reporting: orders and revenue per client."""
    await reporting.record_orders(uow, [_order(d.event) for d in events])


async def on_customer_erased(event: CustomerErased, uow: DirectoryUnitOfWork) -> None:
    """Drop the learner's e-mail and organisation, keep the anonymous mapping; send the receipt."""
    await erasure.erase_customer(uow, event.customer_id)


async def on_customer_deleted(event: CustomerDeleted, uow: DirectoryUnitOfWork) -> None:
    """Remove the learner and every fact about them; send the receipt."""
    await erasure.delete_customer(uow, event.customer_id)


def _order(event: OrderCompleted) -> OrderFact:
    return OrderFact(event.order_id, event.customer_id, event.total, event.currency, event.completed_at)


def _seen(event: Mapping[str, Any]) -> LearnerSeen:
    """``event``: a registration's fields in clear."""
    return LearnerSeen(event["customer_id"], str(event["email"]), event["organization"])


def _changed(event: Mapping[str, Any]) -> ProfileChanged:
    """``event``: a profile change's fields in clear."""
    remap = bool(REMAP_FIELDS & set(event["changed_fields"]))
    return ProfileChanged(event["customer_id"], str(event["email"]), event["organization"], remap=remap)


def _recorded(event: ProgressRecorded) -> ProgressFact:
    completed = event.status is ProgressStatus.COMPLETED
    return ProgressFact(
        event.progress_id,
        event.customer_id,
        event.item_type.value,
        completed,
        event.recorded_at,
        completed_at=event.completed_at,
    )


def _completed(event: TrainingCompleted) -> ProgressFact:
    return ProgressFact(
        event.progress_id, event.customer_id, event.item_type.value, True, event.completed_at, event.completed_at
    )


def _deleted(event: ProgressDeleted) -> ProgressFact:
    return ProgressFact(
        event.progress_id,
        event.customer_id,
        event.item_type.value,
        event.was_completed,
        event.completed_at or event.deleted_at,
        completed_at=event.completed_at,
    )
