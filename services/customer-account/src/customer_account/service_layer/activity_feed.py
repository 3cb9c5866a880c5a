"""The activity log's entries fed by other services' events (issue 17, item 2): orders, access
granted / changed / revoked / expired, code redemptions, progress started / completed and quiz
submissions — one entry per event, under the event's actor.

A partition batch at a time, in the handler's transaction: the customers in one query, the
entries in one statement. Each entry names its event (``source_event_id``, unique): a replay or a
re-delivery adds nothing. An event for a customer unknown here (not yet registered, deleted) or
erased is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from customer_account.domain.activity import Activity
from customer_account.domain.actors import SYSTEM, Actor, ActorKind
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    ActedBy,
    OrderCompleted,
    ProgressRecorded,
    TrainingCompleted,
)
from trainyard_common.contracts.base import Event
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.vocabulary import ActorKind as EventActorKind
from trainyard_common.vocabulary import ProgressStatus


async def record(uow: CustomerUnitOfWork, deliveries: Sequence[Delivered[Any]]) -> None:
    """One entry per event that says something to the log (see ``entry``)."""
    entries = [a for d in deliveries if (a := entry(d.event, d.event_id)) is not None]
    if not entries:
        return
    known = await uow.customers.many(a.customer_id for a in entries)
    for activity in entries:
        customer = known.get(activity.customer_id)
        if customer is not None and not customer.erased:
            uow.activity.add(activity)


def entry(event: Event, event_id: str) -> Activity | None:
    """The activity entry an event makes, or None when it makes none."""
    match event:
        case OrderCompleted():
            return _order(event, event_id)
        case AccessGranted():
            return _access_granted(event, event_id)
        case AccessChanged() | AccessRevoked() | AccessExpired():
            return _access_ended_or_changed(event, event_id)
        case ProgressRecorded():
            return _progress_recorded(event, event_id)
        case TrainingCompleted():
            details = _progress(event) | {"score": _text(event.score)}
            return _entry(event, event_id, "progress_completed", event.completed_at, details)
    return None


def actor_of(acted_by: ActedBy | None, impersonated_by: str | None) -> Actor:
    """The event's actor; an older producer's event (no ``acted_by``) names only an impersonating
    admin, anything else is counted to the system."""
    if acted_by is None:
        return Actor.impersonating(impersonated_by) if impersonated_by else SYSTEM
    match acted_by.kind:
        case EventActorKind.LEARNER:
            return Actor(ActorKind.CUSTOMER)
        case EventActorKind.ADMIN:
            return Actor(ActorKind.ADMIN, acted_by.name, impersonated=acted_by.impersonated)
        case EventActorKind.INTEGRATION:
            return Actor(ActorKind.INTEGRATION, acted_by.name)
    return SYSTEM


def _order(event: OrderCompleted, event_id: str) -> Activity | None:
    if event.impersonated_by is not None:
        return None  # commerce.record_orders already logs an order placed while impersonating
    details = {
        "order_id": str(event.order_id),
        "source": event.source.value,
        "total": format(event.total, "f"),
        "currency": event.currency,
        "products": [line.product_name for line in event.lines],
    }
    return _entry(event, event_id, "order_placed", event.completed_at, details)


def _access_granted(event: AccessGranted, event_id: str) -> Activity:
    if event.registration_code is not None:
        details = _access(event) | {"registration_code": event.registration_code}
        return _entry(event, event_id, "code_redeemed", event.granted_at, details)
    return _entry(event, event_id, "access_granted", event.granted_at, _access(event))


def _access_ended_or_changed(event: AccessChanged | AccessRevoked | AccessExpired, event_id: str) -> Activity:
    if isinstance(event, AccessChanged):
        details = _access(event) | {
            "previous_starts_on": event.previous_starts_on.isoformat(),
            "previous_ends_on": _day(event.previous_ends_on),
        }
        return _entry(event, event_id, "access_changed", event.changed_at, details)
    if isinstance(event, AccessRevoked):
        details = _access(event) | {"reason": event.reason.value}
        return _entry(event, event_id, "access_revoked", event.revoked_at, details)
    return _entry(event, event_id, "access_expired", event.expired_at, _access(event))


def _progress_recorded(event: ProgressRecorded, event_id: str) -> Activity | None:
    submission = event.quiz_submission
    if submission is not None:
        details = _progress(event) | {
            "submission_id": str(submission.submission_id),
            "score": _text(submission.score),
            "passed": submission.passed,
        }
        return _entry(event, event_id, "quiz_submitted", event.recorded_at, details)
    if event.status is ProgressStatus.COMPLETED:
        return None  # TrainingCompleted (sent once) makes the completion's entry
    details = _progress(event) | {"score": _text(event.score)}
    kind = "progress_scored" if event.score is not None else "progress_started"
    return _entry(event, event_id, kind, event.recorded_at, details)


def _entry(event: Any, event_id: str, kind: str, at: datetime, details: dict[str, Any]) -> Activity:
    customer_id: uuid.UUID = event.customer_id
    actor = actor_of(event.acted_by, getattr(event, "impersonated_by", None))
    return Activity(customer_id, kind, actor, at, details, source_event_id=event_id)


def _access(event: AccessGranted | AccessChanged | AccessRevoked | AccessExpired) -> dict[str, Any]:
    return {
        "access_id": str(event.access_id),
        "product_id": str(event.product_id),
        "starts_on": event.starts_on.isoformat(),
        "ends_on": _day(event.ends_on),
    }


def _progress(event: ProgressRecorded | TrainingCompleted) -> dict[str, Any]:
    return {
        "progress_id": str(event.progress_id),
        "item_type": event.item_type.value,
        "item_id": str(event.item_id),
        "item_name": event.item_name,
        "source": event.source.value,
    }


def _day(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _text(value: Any) -> str | None:
    return None if value is None else format(value, "f")
