"""Issue 17, items 7 and 8 as use cases on a fresh migrated database (no broker, no HTTP): in-person
modules and their attendance (completing and rolling up like any completion), and the Quiz Response
Report (filters, and the admin's Add Completion recorded with the correct answers)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Question, Quiz, Revision
from training_progress.domain.errors import NotFound
from training_progress.domain.learners import AccessRow
from training_progress.service_layer import learning
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.catalogue import add_item, revise_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.domain_errors import InvalidInput
from trainyard_common.projections.customers import KnownCustomer
from trainyard_common.testing.use_cases import emitted, units_of_work
from trainyard_common.vocabulary import ProgressSource, ProgressStatus, TrainingItemType

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
EVENT_DAY = date(2025, 3, 20)
Q1, Q2 = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tp"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _customer(uows: Uows, email: str, first: str = "Ada", last: str = "Lovelace") -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with uows() as uow:
        await uow.customers.save(KnownCustomer(customer_id, email, first, last, NOW))
        await uow.commit()
    return customer_id


async def _event(uows: Uows, name: str = "Workshop", day: date = EVENT_DAY) -> Item:
    module = catalogue.new_module(name, ModuleKind.IN_PERSON, event_date=day, place=" Room 4, Leeds ")
    return await add_item(uows(), module)


def test_in_person_modules_have_a_date_and_a_place_and_no_other_item_has_them() -> None:
    module = catalogue.new_module("Workshop", ModuleKind.IN_PERSON, event_date=EVENT_DAY, place=" Leeds ")
    assert (module.event_date, module.place) == (EVENT_DAY, "Leeds")
    for missing in ({"place": "Leeds"}, {"event_date": EVENT_DAY}, {"event_date": EVENT_DAY, "place": "  "}):
        with pytest.raises(InvalidInput) as refused:
            catalogue.new_module("Workshop", ModuleKind.IN_PERSON, **missing)  # type: ignore[arg-type]
        assert refused.value.field_name in {"date", "place"}
    with pytest.raises(InvalidInput) as refused:
        catalogue.new_module("Reading", ModuleKind.CONTENT, event_date=EVENT_DAY)
    assert refused.value.field_name == "date"
    with pytest.raises(InvalidInput) as refused:
        catalogue.new_module("Reading", ModuleKind.CONTENT, place="Leeds")
    assert refused.value.field_name == "place"
    online = catalogue.new_module("Reading", ModuleKind.CONTENT)
    with pytest.raises(InvalidInput):
        catalogue.revise(online, Revision(event_date=EVENT_DAY))
    moved = catalogue.revise(module, Revision(event_date=date(2025, 4, 1), place="York"))
    assert (moved.event_date, moved.place) == (date(2025, 4, 1), "York")


async def test_an_in_person_module_is_stored_and_revised(uows: Uows) -> None:
    event = await _event(uows)
    async with uows() as uow:
        stored = await uow.catalogue.get(event.id)
    assert stored is not None
    assert (stored.kind, stored.event_date, stored.place) == (ModuleKind.IN_PERSON, EVENT_DAY, "Room 4, Leeds")
    revised = await revise_item(uows(), TrainingItemType.MODULE, event.id, Revision(place="Room 5"))
    assert (revised.event_date, revised.place) == (EVENT_DAY, "Room 5")


async def test_attendance_completes_the_module_on_the_event_day_and_rolls_up(uows: Uows) -> None:
    event = await _event(uows)
    course = await add_item(uows(), catalogue.new_course("Course", [CourseModule(event.id)]))
    certification = await add_item(uows(), catalogue.new_certification("Cert", [course.id]))
    ada = await _customer(uows, "ada@example.com")

    entry = await use_cases.edit_entry(uows(), ada, event.id, use_cases.EntryEdit(attended=True), NOW)
    assert entry.status is ProgressStatus.COMPLETED
    assert entry.source is ProgressSource.ADMIN
    assert entry.impersonated_by is None
    assert entry.completed_at == datetime(2025, 3, 20, tzinfo=UTC)
    async with uows() as uow:
        for item in (course, certification):
            rolled = await uow.progress.get(ada, item.id)
            assert rolled is not None
            assert rolled.status is ProgressStatus.COMPLETED
    completed = await emitted(uows(), "TrainingCompleted")
    assert {e["item_id"] for e in completed} == {str(event.id), str(course.id), str(certification.id)}
    assert {e["item_id"] for e in await emitted(uows(), "ProgressRecorded")} >= {str(event.id), str(course.id)}

    # attended again: nothing changes (no second TrainingCompleted)
    await use_cases.edit_entry(uows(), ada, event.id, use_cases.EntryEdit(attended=True), NOW)
    assert len(await emitted(uows(), "TrainingCompleted")) == 3

    # not attended after all: the completion goes (reopened as a new entry, in progress)
    reopened = await use_cases.edit_entry(uows(), ada, event.id, use_cases.EntryEdit(attended=False), NOW)
    assert reopened.status is ProgressStatus.IN_PROGRESS
    assert reopened.id != entry.id
    assert [e["progress_id"] for e in await emitted(uows(), "ProgressDeleted")] == [str(entry.id)]

    # not attended by someone with no entry yet: In Progress, as the status edit leaves it
    bob = await _customer(uows, "bob@example.com")
    absent = await use_cases.edit_entry(uows(), bob, event.id, use_cases.EntryEdit(attended=False), NOW)
    assert absent.status is ProgressStatus.IN_PROGRESS


async def test_attendance_with_a_given_time_and_its_refusals(uows: Uows) -> None:
    event = await _event(uows)
    later = await _event(uows, "Future workshop", NOW.date() + timedelta(days=3))
    online = await add_item(uows(), catalogue.new_module("Reading", ModuleKind.CONTENT))
    course = await add_item(uows(), catalogue.new_course("Course", [CourseModule(online.id)]))
    ada = await _customer(uows, "ada@example.com")

    at = datetime(2025, 3, 21, 9, tzinfo=UTC)
    entry = await use_cases.edit_entry(uows(), ada, event.id, use_cases.EntryEdit(attended=True, completed_at=at), NOW)
    assert entry.completed_at == at

    for item in (online, course):
        with pytest.raises(InvalidInput) as refused:
            await use_cases.edit_entry(uows(), ada, item.id, use_cases.EntryEdit(attended=True), NOW)
        assert (refused.value.code, refused.value.field_name) == ("not_in_person", "attended")
    with pytest.raises(InvalidInput) as refused:
        await use_cases.edit_entry(uows(), ada, online.id, use_cases.EntryEdit(attended=False), NOW)
    assert refused.value.code == "not_in_person"
    with pytest.raises(InvalidInput) as refused:  # the event has not been held yet
        await use_cases.edit_entry(uows(), ada, later.id, use_cases.EntryEdit(attended=True), NOW)
    assert refused.value.field_name == "attended"
    with pytest.raises(InvalidInput):  # status and attendance at once
        await use_cases.edit_entry(uows(), ada, event.id, use_cases.EntryEdit(completed=True, attended=True), NOW)
    async with uows() as uow:
        assert await uow.progress.get(ada, online.id) is None


async def _quiz(uows: Uows) -> Item:
    questions = (
        Question(Q1, "Two?", ("1", "2"), frozenset({1})),
        Question(Q2, "Evens?", ("1", "2", "4"), frozenset({1, 2})),
    )
    module = catalogue.new_module("Quiz", ModuleKind.QUIZ, Quiz(questions, Decimal(50), None))
    return await add_item(uows(), module)


async def _open(uows: Uows, customer_id: uuid.UUID, item: Item) -> None:
    row = AccessRow(uuid.uuid4(), customer_id, item.type.value, item.id, date(2025, 1, 1), None, "active", NOW)
    async with uows() as uow:
        await uow.projections.save_access([row], NOW)
        await uow.commit()


async def test_the_quiz_response_report_lists_learner_and_admin_records_with_filters(uows: Uows) -> None:
    quiz = await _quiz(uows)
    ada = await _customer(uows, "ada@example.com")
    bob = await _customer(uows, "bob@example.com", "Bob", "Babbage")
    await _open(uows, ada, quiz)
    day1 = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    failed = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({0})}, day1)
    passed = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1}), Q2: frozenset({1, 2})}, NOW)
    added = await learning.add_quiz_completion(
        uows(), bob, learning.QuizCompletion(quiz.id, True, datetime(2025, 3, 15, tzinfo=UTC), Decimal(100)), NOW
    )

    report = await learning.quiz_responses(uows(), quiz.id, learning.ResponseFilter(), 50, 0)
    assert report.total == 3
    assert [r.submission.id for r in report.responses] == [
        passed.submission.id,
        added.submission.id,
        failed.submission.id,
    ]  # newest first
    by_id = {r.submission.id: r for r in report.responses}
    admin = by_id[added.submission.id]
    assert admin.submission.source is ProgressSource.ADMIN
    assert admin.submission.answers == {Q1: frozenset({1}), Q2: frozenset({1, 2})}  # the correct answers
    assert admin.customer is not None
    assert admin.customer.email == "bob@example.com"

    async def ids(filters: learning.ResponseFilter, limit: int = 50, offset: int = 0) -> list[uuid.UUID]:
        found = await learning.quiz_responses(uows(), quiz.id, filters, limit, offset)
        return [r.submission.id for r in found.responses]

    assert await ids(learning.ResponseFilter(passed=False)) == [failed.submission.id]
    assert set(await ids(learning.ResponseFilter(passed=True))) == {passed.submission.id, added.submission.id}
    assert await ids(learning.ResponseFilter(to_day=date(2025, 3, 10))) == [failed.submission.id]  # inclusive
    assert await ids(learning.ResponseFilter(from_day=date(2025, 3, 11), to_day=date(2025, 3, 15))) == [
        added.submission.id
    ]
    assert await ids(learning.ResponseFilter(from_day=date(2025, 3, 24))) == [passed.submission.id]
    assert await ids(learning.ResponseFilter(), limit=1, offset=1) == [added.submission.id]
    with pytest.raises(InvalidInput):
        await ids(learning.ResponseFilter(from_day=date(2025, 3, 24), to_day=date(2025, 3, 1)))

    # an erased (unknown) learner: listed, without name or e-mail
    async with uows() as uow:
        await uow.customers.forget(bob)
        await uow.commit()
    again = await learning.quiz_responses(uows(), quiz.id, learning.ResponseFilter(passed=True), 50, 0)
    assert {r.submission.id: r.customer for r in again.responses}[added.submission.id] is None


async def test_the_report_of_an_unknown_quiz_is_not_found(uows: Uows) -> None:
    online = await add_item(uows(), catalogue.new_module("Reading", ModuleKind.CONTENT))
    for quiz_id in (uuid.uuid4(), online.id):
        with pytest.raises(NotFound):
            await learning.quiz_responses(uows(), quiz_id, learning.ResponseFilter(), 50, 0)
