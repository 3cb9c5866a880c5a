"""The activity log fed by other services' events (issue 17, item 2): one entry per event, under
the event's actor, never twice, never for a customer unknown here; sign-ins logged too."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from customer_account.domain.activity import Activity
from customer_account.domain.sign_in import SignInPolicy
from customer_account.service_layer import activity_feed, sessions
from customer_account.service_layer.commerce import record_orders
from customer_account.service_layer.sessions import SessionConfig
from trainyard_common.contracts import (
    AccessExpired,
    AccessGranted,
    ActedBy,
    OrderCompleted,
    OrderLine,
    ProgressRecorded,
    TrainingCompleted,
)
from trainyard_common.contracts.training import QuizSubmissionFacts
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.vocabulary import ActorKind, OrderSource, ProgressSource, ProgressStatus, TrainingItemType

from .conftest import PASSWORD, Register, Uows

pytestmark = pytest.mark.integration

CONFIG = SessionConfig(SignInPolicy(), ttl=timedelta(minutes=5), impersonation_ttl=timedelta(minutes=2))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEARNER = ActedBy(kind=ActorKind.LEARNER)
ROOT = ActedBy(kind=ActorKind.ADMIN, name="root")
ROOT_AS_LEARNER = ActedBy(kind=ActorKind.ADMIN, name="root", impersonated=True)
LMS = ActedBy(kind=ActorKind.INTEGRATION, name="moodle")


def delivered(event: Any, event_id: str | None = None) -> Delivered[Any]:
    return Delivered(event, event_id or str(uuid.uuid4()), str(uuid.uuid4()))


def order(customer_id: uuid.UUID, acted_by: ActedBy | None, impersonated_by: str | None = None) -> OrderCompleted:
    line = OrderLine(
        product_id=uuid.uuid4(),
        price_id=uuid.uuid4(),
        product_name="Data Literacy",
        quantity=1,
        unit_amount=Decimal("49.99"),
        currency="USD",
    )
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=customer_id,
        lines=[line],
        total=Decimal("49.99"),
        currency="USD",
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=NOW,
        impersonated_by=impersonated_by,
        acted_by=acted_by,
    )


def access(customer_id: uuid.UUID, acted_by: ActedBy, code: str | None = None) -> AccessGranted:
    return AccessGranted(
        access_id=uuid.uuid4(),
        customer_id=customer_id,
        product_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        starts_on=date(2026, 3, 2),
        granted_at=NOW,
        registration_code=code,
        acted_by=acted_by,
    )


def progress(customer_id: uuid.UUID, acted_by: ActedBy, **more: Any) -> dict[str, Any]:
    return {
        "progress_id": uuid.uuid4(),
        "customer_id": customer_id,
        "item_type": TrainingItemType.MODULE,
        "item_id": uuid.uuid4(),
        "item_name": "Sampling",
        "source": ProgressSource.LEARNER,
        "acted_by": acted_by,
        **more,
    }


async def feed(uows: Uows, *deliveries: Delivered[Any]) -> None:
    async with uows() as uow:
        await activity_feed.record(uow, deliveries)
        await uow.commit()


async def log(uows: Uows, customer_id: uuid.UUID) -> list[Activity]:
    async with uows() as uow:
        entries, _ = await uow.activity.of_customer(customer_id, limit=100, offset=0)
    return entries


def summary(entries: list[Activity]) -> list[tuple[str, str, str | None, bool]]:
    return [(a.type, a.actor.kind.value, a.actor.name, a.actor.impersonated) for a in entries]


async def test_each_event_makes_one_entry_under_its_actor(uows: Uows, register: Register) -> None:
    ada = await register()
    quiz = QuizSubmissionFacts(submission_id=uuid.uuid4(), score=Decimal("80"), passed=True)
    started = progress(ada.id, ROOT_AS_LEARNER, status=ProgressStatus.IN_PROGRESS, recorded_at=NOW)
    submitted = progress(
        ada.id, LEARNER, status=ProgressStatus.IN_PROGRESS, score=Decimal("80"), recorded_at=NOW, quiz_submission=quiz
    )
    completed = progress(ada.id, LMS, completed_at=NOW)
    completed_recorded = progress(ada.id, LMS, status=ProgressStatus.COMPLETED, completed_at=NOW, recorded_at=NOW)
    expired = AccessExpired(
        access_id=uuid.uuid4(),
        customer_id=ada.id,
        product_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        starts_on=date(2025, 3, 2),
        ends_on=date(2026, 3, 1),
        expired_at=NOW,
        acted_by=ActedBy(kind=ActorKind.SYSTEM),
    )

    await feed(
        uows,
        delivered(order(ada.id, LEARNER)),
        delivered(access(ada.id, ROOT)),
        delivered(access(ada.id, LEARNER, code="7KQ2-M9XD")),
        delivered(expired),
        delivered(ProgressRecorded(**started)),
        delivered(ProgressRecorded(**submitted)),
        delivered(ProgressRecorded(**completed_recorded)),  # the completion is TrainingCompleted's entry
        delivered(TrainingCompleted(**completed)),
    )

    entries = await log(uows, ada.id)
    assert summary(entries) == [
        ("created", "customer", None, False),
        ("order_placed", "customer", None, False),
        ("access_granted", "admin", "root", False),
        ("code_redeemed", "customer", None, False),
        ("access_expired", "system", None, False),
        ("progress_started", "admin", "root", True),
        ("quiz_submitted", "customer", None, False),
        ("progress_completed", "integration", "moodle", False),
    ]
    assert entries[6].details["passed"] is True
    assert entries[6].details["score"] == "80"
    assert entries[3].details["registration_code"] == "7KQ2-M9XD"
    assert "answers" not in entries[6].details


async def test_replays_add_nothing_and_unknown_customers_are_skipped(uows: Uows, register: Register) -> None:
    ada = await register()
    again = delivered(order(ada.id, LEARNER))
    stranger = delivered(order(uuid.uuid4(), LEARNER))

    await feed(uows, again, stranger)
    await feed(uows, again)  # a re-delivery
    await feed(uows, Delivered(again.event, again.event_id, "another-correlation"))  # a replay

    assert [a.type for a in await log(uows, ada.id)] == ["created", "order_placed"]


async def test_an_order_placed_while_impersonating_is_logged_once(uows: Uows, register: Register) -> None:
    ada = await register()
    placed = order(ada.id, ROOT_AS_LEARNER, impersonated_by="root")

    async with uows() as uow:  # what the OrderCompleted handler does
        await record_orders(uow, [placed])
        await activity_feed.record(uow, [delivered(placed)])
        await uow.commit()

    assert summary(await log(uows, ada.id))[1:] == [("order_placed", "admin", "root", True)]


async def test_an_older_producers_event_names_the_impersonating_admin_or_the_system() -> None:
    assert activity_feed.actor_of(None, "root").impersonated
    assert activity_feed.actor_of(None, None).kind.value == "system"


async def test_a_sign_in_is_logged_without_the_address(uows: Uows, register: Register) -> None:
    ada = await register()

    await sessions.sign_in(uows(), CONFIG, ada.email or "", PASSWORD, "203.0.113.9")

    [signed_in] = [a for a in await log(uows, ada.id) if a.type == "signed_in"]
    assert (signed_in.actor.kind.value, signed_in.details) == ("customer", {})
