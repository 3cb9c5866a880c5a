"""Routes about one learner: their activity (through the gateway's learner API), quizzes and SCORM data."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from training_progress.domain.catalogue import Item, Quiz
from training_progress.domain.quizzes import Submission
from training_progress.entrypoints.deps import Impersonator, UnitOfWork
from training_progress.service_layer import learning
from training_progress.service_layer import progress as use_cases
from trainyard_common.api.training import (
    LearnerProgressCreate,
    LearnerQuizResponse,
    LearnerStatus,
    LearnerSubmission,
    QuizAnswers,
    QuizCompletionCreate,
    QuizCompletionStatus,
    QuizReport,
    QuizReportItem,
    QuizResponse,
    QuizResponseSource,
    SubmissionList,
    SubmissionPublic,
)
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.vocabulary import ProgressSource

CmiBody = Annotated[dict[str, Any], Body(description="SCORM run-time data (cmi.*), stored as sent.")]

router = APIRouter(prefix="/v1")


@router.post("/learners/{customer_id}/progress", tags=["learners"])
async def learner_progress(
    customer_id: uuid.UUID, body: LearnerProgressCreate, uow: UnitOfWork, impersonated_by: Impersonator
) -> dict[str, Any]:
    """The learner started or completed a module they have live access to (else 403 `no_access`);
    courses and certifications above it roll up, and are refused here (403 `completed_by_roll_up`),
    as is a quiz module completed or scored without a submission (403 `quiz_needs_submission`).
    An admin impersonating the learner is recorded with the change (issue 15, item 9)."""
    entry = await use_cases.record_learner_progress(
        uow,
        customer_id,
        body.item_type,
        body.item_id,
        completed=body.status is LearnerStatus.COMPLETED,
        score=body.score,
        now=datetime.now(UTC),
        impersonated_by=impersonated_by,
    )
    return {"id": str(entry.id), "status": entry.status.value, "score": entry.score}


@router.put("/learners/{customer_id}/cmi/{module_id}", status_code=204, tags=["learners"])
async def store_cmi(
    customer_id: uuid.UUID, module_id: uuid.UUID, body: CmiBody, uow: UnitOfWork, impersonated_by: Impersonator
) -> Response:
    """SCORM run-time data of a module the learner has live access to (else 403 `no_access`)."""
    await learning.store_cmi(uow, customer_id, module_id, body, datetime.now(UTC), impersonated_by=impersonated_by)
    return Response(status_code=204)


@router.post("/learners/{customer_id}/quizzes/{quiz_id}/submissions", status_code=201, tags=["learners"])
async def submit_quiz(
    customer_id: uuid.UUID, quiz_id: uuid.UUID, body: QuizAnswers, uow: UnitOfWork, impersonated_by: Impersonator
) -> LearnerSubmission:
    """The learner's attempt, scored: per question what they chose and whether it was right, never
    the correct choices (one blank attempt would reveal the key). Admins see them
    (``GET /customers/{id}/quiz-submissions``)."""
    answers = {q: frozenset(chosen) for q, chosen in body.answers.items()}
    submitted = await learning.submit_quiz(
        uow, customer_id, quiz_id, answers, datetime.now(UTC), impersonated_by=impersonated_by
    )
    submission, quiz = submitted.submission, submitted.quiz.quiz
    return LearnerSubmission(
        id=submission.id,
        quiz_id=submission.quiz_id,
        quiz_name=submitted.quiz.name,
        submitted_at=submission.submitted_at,
        score=submission.score,
        passed=submission.passed,
        attempt=submitted.attempt,
        attempts_left=submitted.attempts_left,
        responses=[
            LearnerQuizResponse(
                question_id=q.id,
                question=q.text,
                chosen=sorted(submission.answers.get(q.id, frozenset())),
                is_correct=submission.answers.get(q.id) == q.correct,
            )
            for q in (quiz.questions if quiz else ())
        ],
    )


@router.post("/customers/{customer_id}/quiz-completions", status_code=201, tags=["quizzes"])
async def add_quiz_completion(customer_id: uuid.UUID, body: QuizCompletionCreate, uow: UnitOfWork) -> SubmissionPublic:
    """The transcript's "Add Completion"; "passed" records the correct answers as the responses."""
    request = learning.QuizCompletion(
        body.quiz_id, body.status is QuizCompletionStatus.PASSED, body.submitted_at, body.score
    )
    submitted = await learning.add_quiz_completion(uow, customer_id, request, datetime.now(UTC))
    return _submission(submitted.submission, submitted.quiz)


@router.get("/customers/{customer_id}/quiz-submissions", tags=["quizzes"])
async def quiz_submissions(customer_id: uuid.UUID, uow: UnitOfWork, quiz_id: uuid.UUID | None = None) -> SubmissionList:
    """Every attempt with its responses (the seed's "Quiz Submissions" and "View Responses")."""
    async with uow:
        found = await uow.submissions.of_customer(customer_id, quiz_id)
        quizzes = {q: await uow.catalogue.get(q) for q in {s.quiz_id for s in found}}
    items = [_submission(s, quizzes[s.quiz_id]) for s in found]
    return SubmissionList(items=items, total=len(items))


@router.get("/quizzes/{quiz_id}/responses", tags=["quizzes"])
async def quiz_responses(  # noqa: PLR0917 (the report's filters and page)
    quiz_id: uuid.UUID,
    uow: UnitOfWork,
    from_day: Annotated[date | None, Query(alias="from", description="Submitted on or after this day (UTC).")] = None,
    to_day: Annotated[date | None, Query(alias="to", description="Submitted on or before this day (UTC).")] = None,
    status: QuizCompletionStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QuizReport:
    """The Quiz Response Report: every learner's submissions, newest first, with their responses."""
    filters = learning.ResponseFilter(
        passed=None if status is None else status is QuizCompletionStatus.PASSED, from_day=from_day, to_day=to_day
    )
    report = await learning.quiz_responses(uow, quiz_id, filters, limit, offset)
    return QuizReport(
        quiz_id=report.quiz.id,
        quiz_name=report.quiz.name,
        items=[_report_item(r, report.quiz) for r in report.responses],
        total=report.total,
    )


def _report_item(response: learning.Response, quiz: Item) -> QuizReportItem:
    submission, customer = response.submission, response.customer
    return QuizReportItem(
        id=submission.id,
        customer_id=submission.customer_id,
        user_name=f"{customer.first_name} {customer.last_name}".strip() if customer else None,
        user_email=customer.email if customer else None,
        submitted_at=submission.submitted_at,
        status=QuizCompletionStatus.PASSED if submission.passed else QuizCompletionStatus.FAILED,
        score=submission.score,
        source=QuizResponseSource.LEARNER
        if submission.source is ProgressSource.LEARNER
        else QuizResponseSource.ADMIN_COMPLETION,
        responses=_submission(submission, quiz).responses,
    )


@router.delete("/quiz-submissions/{submission_id}", status_code=204, tags=["quizzes"])
async def remove_submission(submission_id: uuid.UUID, uow: UnitOfWork) -> Response:
    await learning.remove_submission(uow, submission_id)
    return Response(status_code=204)


@router.delete("/customers/{customer_id}/cmi/{module_id}", status_code=204, tags=["learners"])
async def clear_cmi(customer_id: uuid.UUID, module_id: uuid.UUID, uow: UnitOfWork) -> Response:
    """The transcript's "Clear CMI Data" (SCORM modules)."""
    await learning.clear_cmi(uow, customer_id, module_id)
    return Response(status_code=204)


def _submission(submission: Submission, item: Item | None) -> SubmissionPublic:
    quiz: Quiz | None = item.quiz if item else None
    responses = [
        QuizResponse(
            question_id=q.id,
            question=q.text,
            chosen=sorted(submission.answers.get(q.id, frozenset())),
            correct=sorted(q.correct),
            is_correct=submission.answers.get(q.id) == q.correct,
        )
        for q in (quiz.questions if quiz else ())
    ]
    return SubmissionPublic(
        id=submission.id,
        quiz_id=submission.quiz_id,
        quiz_name=item.name if item else None,
        submitted_at=submission.submitted_at,
        score=submission.score,
        passed=submission.passed,
        source=submission.source,
        responses=responses,
    )
