"""Issue 15, item 7: a learner starts and completes only modules they have live access to (through
a product opening the module, one of its courses or one of their certifications); courses and
certifications complete only by the roll-up, quiz modules only by a submission. Admin paths are
unaffected. The use cases are called directly on a fresh migrated database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Question, Quiz
from training_progress.domain.learners import AccessRow
from training_progress.entrypoints import events
from training_progress.service_layer import learning
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.catalogue import add_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    TrainingItemRef,
)
from trainyard_common.domain_errors import DomainError
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.projections.customers import KnownCustomer
from trainyard_common.testing.use_cases import emitted, units_of_work
from trainyard_common.vocabulary import AccessRevocationReason, ProgressStatus, TrainingItemType

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
TODAY = NOW.date()
Q1 = uuid.uuid4()
E = TypeVar("E")


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tpauth"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _catalogue(uows: Uows) -> dict[str, Item]:
    """Course K: module A (required), quiz Q (required), SCORM S (optional); certification X: course K;
    module L stands alone."""
    quiz = Quiz((Question(Q1, "Two?", ("1", "2"), frozenset({1})),), Decimal(50), None)
    items = {
        "A": await add_item(uows(), catalogue.new_module("A", ModuleKind.CONTENT)),
        "Q": await add_item(uows(), catalogue.new_module("Q", ModuleKind.QUIZ, quiz)),
        "S": await add_item(uows(), catalogue.new_module("S", ModuleKind.SCORM)),
        "L": await add_item(uows(), catalogue.new_module("L", ModuleKind.CONTENT)),
    }
    modules = [CourseModule(items["A"].id), CourseModule(items["Q"].id), CourseModule(items["S"].id, required=False)]
    items["K"] = await add_item(uows(), catalogue.new_course("K", modules))
    items["X"] = await add_item(uows(), catalogue.new_certification("X", [items["K"].id]))
    return items


async def _grant(
    uows: Uows,
    customer_id: uuid.UUID,
    item: Item | None,
    *,
    state: str = "active",
    starts_on: date = date(2025, 1, 1),
    ends_on: date | None = None,
) -> None:
    """An access row as the Access* handlers keep it."""
    row = AccessRow(
        uuid.uuid4(),
        customer_id,
        item.type.value if item else None,
        item.id if item else None,
        starts_on,
        ends_on,
        state,
    )
    async with uows() as uow:
        await uow.projections.save_access([row], NOW)
        await uow.commit()


async def _learn(
    uows: Uows, customer_id: uuid.UUID, item: Item, *, completed: bool = True, score: Decimal | None = None
) -> str:
    entry = await use_cases.record_learner_progress(
        uows(), customer_id, item.type, item.id, completed=completed, score=score, now=NOW
    )
    return entry.status.value


async def _refused(uows: Uows, customer_id: uuid.UUID, item: Item, **extra: object) -> DomainError:
    with pytest.raises(DomainError) as refused:
        await _learn(uows, customer_id, item, **extra)  # type: ignore[arg-type]
    return refused.value


async def _status(uows: Uows, customer_id: uuid.UUID, item: Item) -> ProgressStatus | None:
    async with uows() as uow:
        entry = await uow.progress.get(customer_id, item.id)
    return entry.status if entry else None


async def _nothing_recorded(uows: Uows, customer_id: uuid.UUID) -> bool:
    async with uows() as uow:
        return not await uow.progress.of_customer(customer_id) and not await emitted(uows(), "ProgressRecorded")


async def test_without_access_a_learner_can_neither_start_nor_complete_a_module(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    await _grant(uows, ada, items["L"])  # access to another module opens nothing else
    await _grant(uows, ada, None)  # nor does a product opening no item
    for completed in (False, True):
        refused = await _refused(uows, ada, items["A"], completed=completed)
        assert (refused.code, refused.field_name) == ("no_access", "item_id")
    assert await _status(uows, ada, items["A"]) is None
    assert await _status(uows, ada, items["K"]) is None
    someone_else = uuid.uuid4()
    await _grant(uows, someone_else, items["K"])  # another learner's access is not hers
    assert (await _refused(uows, ada, items["A"])).code == "no_access"


async def test_access_to_the_course_opens_its_modules_and_they_roll_up(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    await _grant(uows, ada, items["K"], ends_on=TODAY)  # the last day still counts
    assert await _learn(uows, ada, items["A"], completed=False) == "in_progress"
    assert await _learn(uows, ada, items["S"]) == "completed"  # optional modules too
    assert await _learn(uows, ada, items["A"]) == "completed"
    assert await _status(uows, ada, items["K"]) is ProgressStatus.IN_PROGRESS  # the quiz is still to pass
    passed = await learning.submit_quiz(uows(), ada, items["Q"].id, {Q1: frozenset({1})}, NOW)
    assert passed.submission.passed
    assert await _status(uows, ada, items["K"]) is ProgressStatus.COMPLETED  # by the roll-up
    assert await _status(uows, ada, items["X"]) is ProgressStatus.COMPLETED
    with pytest.raises(DomainError) as alone:  # the course does not open a module outside it
        await _learn(uows, ada, items["L"])
    assert alone.value.code == "no_access"


async def test_access_to_the_certification_or_the_module_itself_opens_the_module(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada, grace = uuid.uuid4(), uuid.uuid4()
    await _grant(uows, ada, items["X"])
    await _grant(uows, grace, items["L"])
    assert await _learn(uows, ada, items["A"]) == "completed"
    assert await _learn(uows, grace, items["L"]) == "completed"


async def test_courses_and_certifications_are_completed_only_by_the_roll_up(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    await _grant(uows, ada, items["X"])
    await _grant(uows, ada, items["K"])
    for name in ("K", "X"):
        for completed in (True, False):
            refused = await _refused(uows, ada, items[name], completed=completed)
            assert (refused.code, refused.field_name) == ("completed_by_roll_up", "item_type")
        assert await _status(uows, ada, items[name]) is None
    assert await _nothing_recorded(uows, ada)


async def test_a_quiz_module_is_completed_only_by_a_submission(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    await _grant(uows, ada, items["K"])
    refused = await _refused(uows, ada, items["Q"])
    assert (refused.code, refused.field_name) == ("quiz_needs_submission", "status")
    scored = await _refused(uows, ada, items["Q"], completed=False, score=Decimal(100))
    assert (scored.code, scored.field_name) == ("quiz_needs_submission", "score")
    assert await _nothing_recorded(uows, ada)
    assert await _learn(uows, ada, items["Q"], completed=False) == "in_progress"  # opening it is fine
    failed = await learning.submit_quiz(uows(), ada, items["Q"].id, {}, NOW)  # the submission route stays
    assert not failed.submission.passed
    assert await _status(uows, ada, items["Q"]) is ProgressStatus.IN_PROGRESS
    await learning.submit_quiz(uows(), ada, items["Q"].id, {Q1: frozenset({1})}, NOW)
    assert await _status(uows, ada, items["Q"]) is ProgressStatus.COMPLETED


@pytest.mark.parametrize(
    ("state", "starts_on", "ends_on"),
    [
        ("revoked", date(2025, 1, 1), None),
        ("expired", date(2025, 1, 1), TODAY - timedelta(days=1)),
        ("active", date(2025, 1, 1), TODAY - timedelta(days=1)),  # ended; AccessExpired not yet arrived
        ("active", TODAY + timedelta(days=1), None),  # not started yet
    ],
    ids=["revoked", "expired", "ended", "upcoming"],
)
async def test_access_that_is_not_live_opens_nothing(
    uows: Uows, state: str, starts_on: date, ends_on: date | None
) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    await _grant(uows, ada, items["K"], state=state, starts_on=starts_on, ends_on=ends_on)
    assert (await _refused(uows, ada, items["A"])).code == "no_access"
    with pytest.raises(DomainError) as quiz:
        await learning.submit_quiz(uows(), ada, items["Q"].id, {Q1: frozenset({1})}, NOW)
    assert quiz.value.code == "no_access"
    with pytest.raises(DomainError) as scorm:
        await learning.store_cmi(uows(), ada, items["S"].id, {"cmi.core.lesson_status": "passed"}, NOW)
    assert scorm.value.code == "no_access"
    async with uows() as uow:
        assert await uow.submissions.of_customer(ada) == []
        assert await uow.cmi.of_customer(ada) == []
    assert await _nothing_recorded(uows, ada)


async def test_admins_still_complete_anything_without_the_learners_access(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    async with uows() as uow:
        await uow.customers.save(KnownCustomer(ada, "ada@example.com", "Ada", "Lovelace", NOW))
        await uow.commit()
    request = use_cases.ManualCompletion(TrainingItemType.COURSE, items["K"].id, ada, TODAY)
    assert (await use_cases.manual_completion(uows(), request, TODAY, NOW)).completed
    edit = use_cases.EntryEdit(completed=True, score=Decimal(80), score_given=True)
    assert (await use_cases.edit_entry(uows(), ada, items["A"].id, edit, NOW)).completed
    quiz = learning.QuizCompletion(items["Q"].id, True, NOW - timedelta(hours=1), Decimal(90))
    assert (await learning.add_quiz_completion(uows(), ada, quiz, NOW)).submission.passed
    assert await _status(uows, ada, items["Q"]) is ProgressStatus.COMPLETED


def _delivered(event: E) -> Delivered[E]:
    return Delivered(event, str(uuid.uuid4()), str(uuid.uuid4()))


async def test_access_events_arriving_out_of_order_leave_the_latest_state(uows: Uows) -> None:
    """Access events travel on four topics: a late AccessChanged must not reopen revoked access,
    nor a stale one reopen expired access; an extension made after the expiry does."""
    items = await _catalogue(uows)
    ada = uuid.uuid4()
    t0 = NOW - timedelta(days=30)
    facts = {
        "access_id": uuid.uuid4(),
        "customer_id": ada,
        "product_id": uuid.uuid4(),
        "training_item": TrainingItemRef(type=TrainingItemType.COURSE, id=items["K"].id),
        "order_id": uuid.uuid4(),
        "starts_on": date(2025, 1, 1),
    }
    changed = {**facts, "previous_starts_on": date(2025, 1, 1), "ends_on": date(2030, 1, 1)}

    async def handle(handler: Any, event: Any) -> None:
        async with uows() as uow:
            await handler([_delivered(event)], uow)
            await uow.commit()

    await handle(events.on_access_granted, AccessGranted(**facts, granted_at=t0))
    assert await _learn(uows, ada, items["A"], completed=False) == "in_progress"
    revoked = AccessRevoked(**facts, reason=AccessRevocationReason.ADMIN, revoked_at=t0 + timedelta(days=2))
    await handle(events.on_access_revoked, revoked)
    await handle(events.on_access_changed, AccessChanged(**changed, changed_at=t0 + timedelta(days=1)))
    assert (await _refused(uows, ada, items["A"])).code == "no_access"

    grace = uuid.uuid4()
    facts |= {"access_id": uuid.uuid4(), "customer_id": grace}
    changed |= {"access_id": facts["access_id"], "customer_id": grace}
    ended = {**facts, "ends_on": TODAY - timedelta(days=1)}
    await handle(events.on_access_expired, AccessExpired(**ended, expired_at=NOW - timedelta(hours=1)))
    await handle(events.on_access_granted, AccessGranted(**ended, granted_at=t0))  # stale
    await handle(events.on_access_changed, AccessChanged(**changed, changed_at=t0 + timedelta(days=1)))  # stale
    assert (await _refused(uows, grace, items["A"])).code == "no_access"
    await handle(events.on_access_changed, AccessChanged(**changed, changed_at=NOW - timedelta(minutes=1)))
    assert await _learn(uows, grace, items["A"]) == "completed"  # extended after the expiry
