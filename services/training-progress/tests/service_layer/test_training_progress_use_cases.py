"""training-progress's use cases called directly, on a fresh migrated database: no broker, no HTTP.
What the use cases announce is read from the outbox they wrote."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Question, Quiz
from training_progress.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from training_progress.domain.imports import Outcome, row_error
from training_progress.domain.learners import AccessRow, LearnerClient
from training_progress.domain.progress import ProgressEntry
from training_progress.service_layer import erasure, imports, learning
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.catalogue import add_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.projections.customers import KnownCustomer
from trainyard_common.testing.use_cases import emitted, units_of_work
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
TODAY = NOW.date()
Q1 = uuid.uuid4()


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tp"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _module(uows: Uows, name: str, kind: ModuleKind = ModuleKind.CONTENT, quiz: Quiz | None = None) -> Item:
    return await add_item(uows(), catalogue.new_module(name, kind, quiz))


async def _quiz(uows: Uows, attempt_limit: int | None = 2) -> Item:
    questions = (Question(Q1, "Two?", ("1", "2"), frozenset({1})),)
    return await _module(uows, "Quiz", ModuleKind.QUIZ, Quiz(questions, Decimal(50), attempt_limit))


async def _customer(uows: Uows, email: str = "ada@example.com") -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with uows() as uow:
        await uow.customers.save(KnownCustomer(customer_id, email, "Ada", "Lovelace", NOW))
        await uow.commit()
    return customer_id


async def _open(uows: Uows, customer_id: uuid.UUID, item: Item) -> None:
    """Live access to ``item``, as AccessGranted leaves it (a learner's own activity needs it)."""
    row = AccessRow(uuid.uuid4(), customer_id, item.type.value, item.id, date(2025, 1, 1), None, "active", NOW)
    async with uows() as uow:
        await uow.projections.save_access([row], NOW)
        await uow.commit()


async def _learn(uows: Uows, customer_id: uuid.UUID, item: Item, completed: bool = True, **extra: Any) -> ProgressEntry:
    await _open(uows, customer_id, item)
    return await use_cases.record_learner_progress(
        uows(), customer_id, item.type, item.id, completed=completed, score=extra.get("score"), now=NOW
    )


async def _entry(uows: Uows, customer_id: uuid.UUID, item: Item) -> ProgressEntry | None:
    async with uows() as uow:
        return await uow.progress.get(customer_id, item.id)


async def _status(uows: Uows, customer_id: uuid.UUID, item: Item) -> ProgressStatus | None:
    entry = await _entry(uows, customer_id, item)
    return entry.status if entry else None


async def _hierarchy(uows: Uows) -> dict[str, Item]:
    """Course K: modules A and B required, C optional; certification X: course K."""
    items = {name: await _module(uows, name) for name in ("A", "B", "C")}
    modules = [CourseModule(items["A"].id), CourseModule(items["B"].id), CourseModule(items["C"].id, required=False)]
    items["K"] = await add_item(uows(), catalogue.new_course("K", modules))
    items["X"] = await add_item(uows(), catalogue.new_certification("X", [items["K"].id]))
    return items


async def test_catalogue_names_are_unique_per_type_whatever_their_case_and_spaces(uows: Uows) -> None:
    module = await _module(uows, "Survey Design")
    with pytest.raises(Conflict) as taken:
        await _module(uows, "  survey   DESIGN ")
    assert taken.value.field_name == "name"
    course = await add_item(uows(), catalogue.new_course("Survey Design", [CourseModule(module.id)]))
    async with uows() as uow:
        assert (await uow.catalogue.get(course.id)).modules == [CourseModule(module.id)]  # type: ignore[union-attr]


async def test_a_course_is_made_of_modules_and_a_certification_of_courses(uows: Uows) -> None:
    module = await _module(uows, "A")
    with pytest.raises(Invalid) as not_a_module:
        await add_item(uows(), catalogue.new_course("K", [CourseModule(module.id), CourseModule(uuid.uuid4())]))
    assert not_a_module.value.field_name == "module_ids"
    with pytest.raises(Invalid) as not_a_course:
        await add_item(uows(), catalogue.new_certification("X", [module.id]))
    assert not_a_course.value.field_name == "course_ids"
    async with uows() as uow:
        assert (await uow.catalogue.of_type(TrainingItemType.COURSE, None, 10, 0))[1] == 0


async def test_required_modules_roll_up_into_the_course_and_courses_into_the_certification(uows: Uows) -> None:
    items = await _hierarchy(uows)
    ada = uuid.uuid4()
    await _learn(uows, ada, items["C"])  # optional: the course is only started
    await _learn(uows, ada, items["A"])
    assert await _status(uows, ada, items["K"]) is ProgressStatus.IN_PROGRESS
    assert await _status(uows, ada, items["X"]) is ProgressStatus.IN_PROGRESS
    await _learn(uows, ada, items["B"])
    assert await _status(uows, ada, items["K"]) is ProgressStatus.COMPLETED
    assert await _status(uows, ada, items["X"]) is ProgressStatus.COMPLETED
    completed = [e["item_name"] for e in await emitted(uows(), "TrainingCompleted")]
    assert completed == ["C", "A", "B", "K", "X"]


async def test_a_learner_may_not_record_a_course_let_alone_score_it(uows: Uows) -> None:
    items = await _hierarchy(uows)
    with pytest.raises(NotAllowed) as scored:
        await _learn(uows, uuid.uuid4(), items["K"], score=Decimal(80))
    assert (scored.value.code, scored.value.field_name) == ("completed_by_roll_up", "item_type")
    with pytest.raises(NotFound):
        await use_cases.record_learner_progress(
            uows(), uuid.uuid4(), TrainingItemType.COURSE, items["A"].id, completed=True, score=None, now=NOW
        )


async def test_manual_completion_is_dated_today_or_earlier_and_once(uows: Uows) -> None:
    module = await _module(uows, "A")
    ada = await _customer(uows)

    def request(day: date) -> use_cases.ManualCompletion:
        return use_cases.ManualCompletion(TrainingItemType.MODULE, module.id, ada, day)

    with pytest.raises(Invalid, match="today or in the past"):
        await use_cases.manual_completion(uows(), request(TODAY + timedelta(days=1)), TODAY, NOW)
    entry = await use_cases.manual_completion(uows(), request(TODAY), TODAY, NOW)
    assert (entry.status, entry.completed_at) == (ProgressStatus.COMPLETED, datetime(2025, 3, 24, tzinfo=UTC))
    with pytest.raises(Conflict, match="already completed"):
        await use_cases.manual_completion(uows(), request(TODAY), TODAY, NOW)


async def test_manual_completion_needs_a_known_customer_of_the_partner_given(uows: Uows) -> None:
    module = await _module(uows, "A")
    ada = await _customer(uows)
    async with uows() as uow:
        await uow.projections.assign_clients([LearnerClient(ada, uuid.uuid4(), "Acme", NOW)])
        await uow.commit()
    with pytest.raises(NotFound) as unknown:
        await use_cases.manual_completion(
            uows(), use_cases.ManualCompletion(TrainingItemType.MODULE, module.id, uuid.uuid4(), TODAY), TODAY, NOW
        )
    assert unknown.value.field_name == "customer_id"
    other_partner = use_cases.ManualCompletion(TrainingItemType.MODULE, module.id, ada, TODAY, uuid.uuid4())
    with pytest.raises(Invalid, match="does not belong to this partner"):
        await use_cases.manual_completion(uows(), other_partner, TODAY, NOW)
    assert await _entry(uows, ada, module) is None


async def test_reopening_a_completed_entry_ends_it_and_opens_another(uows: Uows) -> None:
    module = await _module(uows, "A")
    ada = uuid.uuid4()
    done = await _learn(uows, ada, module)
    with pytest.raises(Invalid) as future:
        await use_cases.edit_entry(uows(), ada, module.id, use_cases.EntryEdit(completed_at=NOW + timedelta(1)), NOW)
    assert future.value.field_name == "completed_at"
    reopened = await use_cases.edit_entry(uows(), ada, module.id, use_cases.EntryEdit(completed=False), NOW)
    assert reopened.id != done.id
    assert reopened.status is ProgressStatus.IN_PROGRESS
    deleted = await emitted(uows(), "ProgressDeleted")
    assert [(d["progress_id"], d["was_completed"]) for d in deleted] == [(str(done.id), True)]


async def test_deleting_entries_is_all_or_nothing_and_never_cascades(uows: Uows) -> None:
    items = await _hierarchy(uows)
    ada = uuid.uuid4()
    for name in ("A", "B"):
        await _learn(uows, ada, items[name])
    module_a = await _entry(uows, ada, items["A"])
    assert module_a is not None
    with pytest.raises(NotFound) as unknown:
        await use_cases.delete_entries(uows(), [module_a.id, uuid.uuid4()], NOW)
    assert unknown.value.field_name == "ids"
    assert await _entry(uows, ada, items["A"]) is not None
    assert await use_cases.delete_entries(uows(), [module_a.id, module_a.id], NOW) == 1
    assert await _entry(uows, ada, items["A"]) is None
    assert await _status(uows, ada, items["K"]) is ProgressStatus.COMPLETED


async def test_a_passed_quiz_completes_its_module_and_attempts_end_at_the_limit(uows: Uows) -> None:
    quiz = await _quiz(uows, attempt_limit=2)
    ada = uuid.uuid4()
    await _open(uows, ada, quiz)
    failed = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({0})}, NOW)
    assert (failed.attempt, failed.attempts_left, failed.submission.passed) == (1, 1, False)
    passed = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)
    assert (passed.attempt, passed.attempts_left, passed.submission.score) == (2, 0, Decimal(100))
    entry = await _entry(uows, ada, quiz)
    assert entry is not None
    assert (entry.status, entry.score) == (ProgressStatus.COMPLETED, Decimal(100))
    with pytest.raises(Conflict, match="attempt limit"):
        await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)
    await learning.remove_submission(uows(), failed.submission.id)  # a retake allowed
    assert (await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)).attempt == 2
    with pytest.raises(NotFound):
        await learning.remove_submission(uows(), failed.submission.id)


async def test_an_admin_quiz_result_is_in_the_past_and_passed_records_the_correct_answers(uows: Uows) -> None:
    quiz = await _quiz(uows)
    ada = uuid.uuid4()
    future = learning.QuizCompletion(quiz.id, True, NOW + timedelta(minutes=1), Decimal(90))
    with pytest.raises(Invalid) as refused:
        await learning.add_quiz_completion(uows(), ada, future, NOW)
    assert refused.value.field_name == "submitted_at"
    at = NOW - timedelta(days=1)
    recorded = await learning.add_quiz_completion(
        uows(), ada, learning.QuizCompletion(quiz.id, True, at, Decimal(90)), NOW
    )
    assert recorded.submission.answers == {Q1: frozenset({1})}
    entry = await _entry(uows, ada, quiz)
    assert entry is not None
    assert (entry.completed_at, entry.score) == (at, Decimal(90))


async def test_scorm_data_records_progress_and_only_a_scorm_module_takes_it(uows: Uows) -> None:
    scorm = await _module(uows, "Player", ModuleKind.SCORM)
    content = await _module(uows, "Reading")
    ada = uuid.uuid4()
    await _open(uows, ada, scorm)
    with pytest.raises(NotFound, match="No scorm module"):
        await learning.store_cmi(uows(), ada, content.id, {"cmi.core.lesson_status": "passed"}, NOW)
    await learning.store_cmi(uows(), ada, scorm.id, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": 75}, NOW)
    entry = await _entry(uows, ada, scorm)
    assert entry is not None
    assert (entry.status, entry.score) == (ProgressStatus.COMPLETED, Decimal(75))
    await learning.clear_cmi(uows(), ada, scorm.id)
    with pytest.raises(NotFound):
        await learning.clear_cmi(uows(), ada, scorm.id)


async def _analysed(uows: Uows, rows: list[tuple[str, str, str, str]]) -> uuid.UUID:
    import_id = await imports.open_import(uows(), "progress.csv", NOW)
    await imports.analyse(uows, import_id, iter([list(r) for r in rows]), (0, 1, 2, 3), TODAY)
    return import_id


async def _rows(uows: Uows, import_id: uuid.UUID, outcome: Outcome) -> list[str]:
    async with uows() as uow:
        return [
            row_error(r) if outcome is Outcome.ERROR else r.cells[0]
            async for r in uow.imports.stream_rows(import_id, outcome)
        ]


async def test_an_import_sorts_its_rows_into_new_already_completed_and_errors(uows: Uows) -> None:
    items = await _hierarchy(uows)
    ada, grace = await _customer(uows, "ada@example.com"), await _customer(uows, "grace@example.com")
    await _learn(uows, grace, items["A"])
    import_id = await _analysed(
        uows,
        [
            ("ADA@example.com", "module", " a ", "2025-03-01"),  # row 2: new (e-mail and name as compared)
            ("grace@example.com", "module", "A", "2025-03-01"),  # row 3: already completed
            ("ghost@example.com", "module", "A", "2025-03-01"),  # row 4
            ("ada@example.com", "course", "Nope", "2025-03-01"),  # row 5
            ("ada@example.com", "module", "A", "2025-03-02"),  # row 6: a duplicate of row 2
            ("ada@example.com", "module", "B", "2999-01-01"),  # row 7
            ("", "", "", ""),  # blank: skipped, yet counted as row 8
            ("ada@example.com", "module", "B", "2025-03-03"),  # row 9: new
        ],
    )
    state = await imports.state_of(uows(), import_id)
    assert (state.status, state.rows_read, state.new, state.already_completed, state.errors) == ("analysed", 7, 2, 1, 4)
    assert await _rows(uows, import_id, Outcome.ALREADY_COMPLETED) == ["grace@example.com"]
    assert await _rows(uows, import_id, Outcome.ERROR) == [
        "Row 4: Unknown email 'ghost@example.com': no customer has it.",
        "Row 5: No course named 'Nope'.",
        "Row 6: Duplicate of row 2 (same user and item).",
        "Row 7: The date 2999-01-01 is in the future.",
    ]
    await imports.begin_commit(uows(), import_id)
    await imports.commit(uows, import_id)
    state = await imports.state_of(uows(), import_id)
    assert (state.status, state.imported) == ("committed", 2)
    assert await _status(uows, ada, items["K"]) is ProgressStatus.COMPLETED  # the roll-up
    with pytest.raises(Conflict, match="committed already"):
        await imports.begin_commit(uows(), import_id)


async def test_an_import_unknown_or_not_yet_analysed_cannot_be_committed(uows: Uows) -> None:
    with pytest.raises(NotFound):
        await imports.begin_commit(uows(), uuid.uuid4())
    import_id = await imports.open_import(uows(), None, NOW)
    with pytest.raises(Conflict, match="analysis is not finished"):
        await imports.begin_commit(uows(), import_id)


async def _erase(uows: Uows, customer_id: uuid.UUID, request_event_id: uuid.UUID, *, delete: bool) -> None:
    """As the CustomerErased / CustomerDeleted handler runs it: in the event's transaction."""
    async with uows() as uow:
        uow.event_id = str(request_event_id)
        await (erasure.delete_customer if delete else erasure.erase_customer)(uow, customer_id)
        await uow.commit()


async def _holdings(uows: Uows, customer_id: uuid.UUID, import_id: uuid.UUID) -> tuple[bool, int, int, int, int]:
    """Known as a customer?, and how many entries, submissions, CMI records and import e-mails are left."""
    async with uows() as uow:
        return (
            await uow.customers.get(customer_id) is not None,
            len(await uow.progress.of_customer(customer_id)),
            len(await uow.submissions.of_customer(customer_id)),
            len(await uow.cmi.of_customer(customer_id)),
            len([r async for r in uow.imports.stream_rows(import_id, Outcome.NEW) if r.cells[0]]),
        )


@pytest.mark.parametrize("delete", [False, True], ids=["erased", "deleted"])
async def test_erasure_scrubs_personal_data_and_deletion_removes_everything(uows: Uows, delete: bool) -> None:
    quiz = await _quiz(uows)
    scorm = await _module(uows, "Player", ModuleKind.SCORM)
    ada = await _customer(uows)
    import_id = await _analysed(uows, [("ada@example.com", "module", "Player", "2025-03-01")])
    for module in (quiz, scorm):
        await _open(uows, ada, module)
    await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)
    await learning.store_cmi(uows(), ada, scorm.id, {"cmi.core.lesson_status": "incomplete"}, NOW)
    assert await _holdings(uows, ada, import_id) == (True, 2, 1, 1, 1)
    request = uuid.uuid4()
    await _erase(uows, ada, request, delete=delete)
    # Erased: the name, the e-mail (in import rows too) and the CMI data go; anonymous progress and
    # quiz results stay. Deleted: everything goes.
    assert await _holdings(uows, ada, import_id) == ((False, 0, 0, 0, 0) if delete else (False, 2, 1, 0, 0))
    receipts = await emitted(uows(), "CustomerErasureCompleted")
    assert [(r["customer_id"], r["service"], r["request_event_id"], r["request_kind"]) for r in receipts] == [
        (str(ada), "training-progress", str(request), "deleted" if delete else "erased")
    ]


async def test_erasure_forgets_quiz_answers_and_keeps_the_anonymous_result(uows: Uows) -> None:
    """The seed: erasure erases any data submitted in a form; the quiz result stays for the reports."""
    quiz = await _quiz(uows, attempt_limit=None)
    ada, bob = await _customer(uows), await _customer(uows)
    for learner in (ada, bob):
        await _open(uows, learner, quiz)
        await learning.submit_quiz(uows(), learner, quiz.id, {Q1: frozenset({1})}, NOW)
    await _erase(uows, ada, uuid.uuid4(), delete=False)
    async with uows() as uow:
        (kept,) = await uow.submissions.of_customer(ada)
        (other,) = await uow.submissions.of_customer(bob)
    assert (kept.answers, kept.score, kept.passed, kept.submitted_at) == ({}, Decimal(100), True, NOW)
    assert other.answers == {Q1: frozenset({1})}  # another customer's answers are untouched
