"""training-progress's pure rules: the catalogue, scoring, progress, SCORM data, import rows, and how
the domain's refusals reach HTTP. No database, no broker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from training_progress.domain import catalogue, imports, progress, quizzes
from training_progress.domain.catalogue import CatalogueError, CourseModule, ModuleKind, Question, Quiz
from training_progress.domain.errors import Conflict, Invalid, NotFound
from trainyard_common.domain_errors import DomainError
from trainyard_common.http.errors import domain_error_response
from trainyard_common.vocabulary import ProgressSource, ProgressStatus, TrainingItemType

TODAY = date(2025, 3, 24)
Q1, Q2 = uuid.uuid4(), uuid.uuid4()


def _quiz(pass_mark: int = 50, attempt_limit: int | None = 2) -> Quiz:
    return Quiz(
        (Question(Q1, "Two?", ("1", "2"), frozenset({1})), Question(Q2, "Evens?", ("1", "2", "4"), frozenset({1, 2}))),
        Decimal(pass_mark),
        attempt_limit,
    )


def test_names_are_compared_trimmed_case_folded_and_with_inner_spaces_collapsed() -> None:
    assert (
        catalogue.name_key("  Survey   DESIGN 101 ") == catalogue.name_key("survey design 101") == "survey design 101"
    )
    assert catalogue.name_key("Survey Design") != catalogue.name_key("Survey Designs")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: catalogue.new_module("  ", ModuleKind.CONTENT), "name"),
        (lambda: catalogue.new_module("Quiz", ModuleKind.QUIZ), "quiz"),
        (lambda: catalogue.new_module("Reading", ModuleKind.CONTENT, _quiz()), "quiz"),
        (lambda: catalogue.new_module("Quiz", ModuleKind.QUIZ, Quiz((), Decimal(50), None)), "questions"),
        (lambda: catalogue.new_module("Quiz", ModuleKind.QUIZ, _quiz(pass_mark=101)), "pass_mark"),
        (lambda: catalogue.new_module("Quiz", ModuleKind.QUIZ, _quiz(attempt_limit=0)), "attempt_limit"),
        (lambda: catalogue.new_course("Course", [CourseModule(Q1), CourseModule(Q1, required=False)]), "module_ids"),
        (lambda: catalogue.new_certification("Cert", [Q1, Q1]), "course_ids"),
    ],
)
def test_an_item_that_cannot_exist_as_described_names_the_field(make: object, field: str) -> None:
    with pytest.raises(CatalogueError) as refused:
        make()  # type: ignore[operator]
    assert refused.value.field_name == field


def test_a_question_needs_two_choices_and_correct_answers_among_them() -> None:
    with pytest.raises(CatalogueError, match="at least two choices"):
        Question(Q1, "One?", ("only",), frozenset({0})).check()
    with pytest.raises(CatalogueError, match="correct answers among its choices"):
        Question(Q1, "Out of range?", ("a", "b"), frozenset({2})).check()


def test_a_question_counts_only_when_every_correct_choice_and_nothing_else_is_chosen() -> None:
    quiz = _quiz(pass_mark=50)
    assert quizzes.score(quiz, {Q1: frozenset({1}), Q2: frozenset({1, 2})}) == quizzes.Scored(Decimal("100.00"), True)
    assert quizzes.score(quiz, {Q1: frozenset({1}), Q2: frozenset({1})}) == quizzes.Scored(Decimal("50.00"), True)
    assert quizzes.score(quiz, {Q1: frozenset({0, 1})}) == quizzes.Scored(Decimal("0.00"), False)
    with pytest.raises(Invalid) as unknown:
        quizzes.score(quiz, {uuid.uuid4(): frozenset({0})})
    assert unknown.value.field_name == "answers"


def test_the_attempt_limit_refuses_one_more_attempt_and_none_means_unlimited() -> None:
    quizzes.check_attempts_left(_quiz(attempt_limit=2), 1)
    quizzes.check_attempts_left(_quiz(attempt_limit=None), 1000)
    with pytest.raises(Conflict, match=r"attempt limit \(2\) is reached"):
        quizzes.check_attempts_left(_quiz(attempt_limit=2), 2)


def test_only_modules_are_scored_and_a_score_is_a_percentage() -> None:
    progress.check_score(TrainingItemType.MODULE, Decimal(100))
    progress.check_score(TrainingItemType.COURSE, None)
    with pytest.raises(Invalid, match="Only modules are scored"):
        progress.check_score(TrainingItemType.COURSE, Decimal(80))
    with pytest.raises(Invalid, match="percentage"):
        progress.check_score(TrainingItemType.MODULE, Decimal("100.5"))


def test_a_completion_date_may_be_today_but_not_tomorrow() -> None:
    progress.check_not_future(TODAY, TODAY)
    with pytest.raises(Invalid) as future:
        progress.check_not_future(date(2025, 3, 25), TODAY)
    assert future.value.field_name == "completed_on"


def test_completing_keeps_the_score_and_reopening_opens_a_new_entry() -> None:
    now = datetime(2025, 3, 24, 12, tzinfo=UTC)
    entry = progress.started(uuid.uuid4(), TrainingItemType.MODULE, uuid.uuid4(), now, ProgressSource.LEARNER)
    scored = progress.rescore(entry, Decimal(70), ProgressSource.LEARNER)
    done = progress.complete(scored, progress.start_of_day(TODAY), ProgressSource.ADMIN)
    assert (done.id, done.status, done.score, done.completed_at) == (
        entry.id,
        ProgressStatus.COMPLETED,
        Decimal(70),
        datetime(2025, 3, 24, tzinfo=UTC),
    )
    reopened = progress.reopen(done, ProgressSource.ADMIN)
    assert reopened.id != done.id
    assert (reopened.status, reopened.completed_at, reopened.started_at) == (ProgressStatus.IN_PROGRESS, None, now)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}, (True, Decimal(85))),
        ({"cmi": {"core": {"lesson_status": "incomplete"}}}, (False, None)),
        ({"cmi.completion_status": "unknown", "cmi.success_status": "passed", "cmi.score.scaled": "0.9"}, (True, 90)),
        ({"cmi.completion_status": "completed", "cmi.score.raw": "130"}, (True, None)),
        ({"cmi.suspend_data": "x"}, (None, None)),
    ],
)
def test_scorm_12_and_2004_data_say_whether_the_module_is_completed_and_its_score(
    data: dict[str, object], expected: tuple[bool | None, Decimal | None]
) -> None:
    assert progress.progress_from_cmi(data) == expected


def test_the_header_is_found_whatever_its_case_order_and_extra_columns() -> None:
    assert imports.column_positions(["Error", "\ufeffNAME", "date", " Email ", "Training  Type"]) == (3, 4, 1, 2)
    with pytest.raises(imports.HeaderError, match="lacks: Training Type, Date"):
        imports.column_positions(["Email", "Name"])


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (("", "module", "Survey", "2025-03-01"), "The email is missing."),
        (("a@example.com", "lesson", "Survey", "2025-03-01"), "Unknown training type 'lesson'"),
        (("a@example.com", "module", " ", "2025-03-01"), "The name is missing."),
        (("a@example.com", "module", "Survey", "01/03/2025"), "Bad date format '01/03/2025'"),
        (("a@example.com", "module", "Survey", "2025-02-30"), "no such day"),
        (("a@example.com", "module", "Survey", "2025-03-25"), "in the future"),
        (("A@Example.com", " Module ", "Survey", "2025-03-24"), None),
    ],
)
def test_a_row_alone_tells_its_missing_values_training_type_and_date(
    cells: tuple[str, str, str, str], reason: str | None
) -> None:
    row = imports.parse_row(7, cells, (0, 1, 2, 3), TODAY)
    if reason is None:
        assert (row.reason, row.email_key, row.item_type, row.completed_on) == (
            None,
            "a@example.com",
            TrainingItemType.MODULE,
            TODAY,
        )
    else:
        assert row.reason is not None
        assert reason in row.reason


def test_an_error_row_says_its_number_and_its_reason() -> None:
    cells = ("ghost@example.com", "course", "Gone", "2025-03-01")
    unknown = imports.StoredRow(4, cells, None, "unknown_email", None, "course")
    no_item = imports.StoredRow(5, cells, None, "no_item", None, "course")
    duplicate = imports.StoredRow(6, cells, None, "duplicate", 4, "course")
    own = imports.StoredRow(7, cells, "The name is missing.", None, None, None)
    assert imports.row_error(unknown) == "Row 4: Unknown email 'ghost@example.com': no customer has it."
    assert imports.row_error(no_item) == "Row 5: No course named 'Gone'."
    assert imports.row_error(duplicate) == "Row 6: Duplicate of row 4 (same user and item)."
    assert imports.row_error(own) == "Row 7: The name is missing."


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (Invalid("Too late.", field="completed_on"), 422, ("validation_failed", "Too late.", "completed_on")),
        (Invalid("Bad."), 422, ("validation_failed", "Bad.", "body")),
        (Conflict("Taken.", field="name"), 409, ("conflict", "Taken.", "name")),
        (NotFound("No such item.", field="item_id"), 404, ("not_found", "No such item.", "item_id")),
        (CatalogueError("pass_mark", "Out of range."), 422, ("validation_failed", "Out of range.", "pass_mark")),
    ],
)
def test_each_refusal_answers_with_its_status_message_and_field(
    error: DomainError, status: int, body: tuple[str, str, str]
) -> None:
    """The body the service's own mapping gave before the common handlers took over."""
    code, message, field = body
    response = domain_error_response(error)
    assert response.status_code == status
    assert json.loads(bytes(response.body)) == {
        "error": {"code": code, "message": message, "details": [{"field": field, "reason": message}]}
    }
