"""Routes about one learner: their activity (through the gateway's learner API), quizzes and SCORM data,
the transcript and its admin edits, and the GDPR export part."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from training_progress.adapters.learning import Submission
from training_progress.domain.catalogue import Item, ModuleKind, Quiz
from training_progress.entrypoints.errors import http_errors
from training_progress.service_layer import learning
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import (
    LearnerProgressCreate,
    LearnerStatus,
    QuizAnswers,
    QuizCompletionCreate,
    QuizCompletionStatus,
    QuizResponse,
    SubmissionList,
    SubmissionPublic,
)

CmiBody = Annotated[dict[str, Any], Body(description="SCORM run-time data (cmi.*), stored as sent.")]


def add_learner_routes(router: APIRouter, uow_factory: Callable[[], ProgressUnitOfWork]) -> None:
    UnitOfWork = Annotated[ProgressUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.post("/learners/{customer_id}/progress", tags=["learners"])
    async def learner_progress(customer_id: uuid.UUID, body: LearnerProgressCreate, uow: UnitOfWork) -> dict[str, Any]:
        """The learner started or completed an item; courses and certifications above it roll up."""
        now = datetime.now(UTC)
        with http_errors():
            async with uow:
                item = await use_cases.item_of_type(uow, body.item_type, body.item_id)
                entry = await use_cases.learner_activity(
                    uow, customer_id, item, completed=body.status is LearnerStatus.COMPLETED, score=body.score, now=now
                )
                await uow.commit()
        return {"id": str(entry.id), "status": entry.status.value, "score": entry.score}

    @router.put("/learners/{customer_id}/cmi/{module_id}", status_code=204, tags=["learners"])
    async def store_cmi(customer_id: uuid.UUID, module_id: uuid.UUID, body: CmiBody, uow: UnitOfWork) -> Response:
        with http_errors():
            async with uow:
                await learning.store_cmi(uow, customer_id, module_id, body, datetime.now(UTC))
                await uow.commit()
        return Response(status_code=204)

    @router.post("/learners/{customer_id}/quizzes/{quiz_id}/submissions", status_code=201, tags=["learners"])
    async def submit_quiz(
        customer_id: uuid.UUID, quiz_id: uuid.UUID, body: QuizAnswers, uow: UnitOfWork
    ) -> SubmissionPublic:
        answers = {q: frozenset(chosen) for q, chosen in body.answers.items()}
        with http_errors():
            async with uow:
                submission, attempt = await learning.submit_quiz(uow, customer_id, quiz_id, answers, datetime.now(UTC))
                quiz = await learning.module_of_kind(uow, quiz_id, ModuleKind.QUIZ)
                await uow.commit()
        public = _submission(submission, quiz)
        limit = quiz.quiz.attempt_limit if quiz.quiz else None
        return public.model_copy(
            update={"attempt": attempt, "attempts_left": None if limit is None else max(limit - attempt, 0)}
        )

    @router.post("/customers/{customer_id}/quiz-completions", status_code=201, tags=["quizzes"])
    async def add_quiz_completion(
        customer_id: uuid.UUID, body: QuizCompletionCreate, uow: UnitOfWork
    ) -> SubmissionPublic:
        """The transcript's "Add Completion"; "passed" records the correct answers as the responses."""
        request = learning.QuizCompletion(
            body.quiz_id, body.status is QuizCompletionStatus.PASSED, body.submitted_at, body.score
        )
        with http_errors():
            async with uow:
                submission = await learning.add_quiz_completion(uow, customer_id, request, datetime.now(UTC))
                quiz = await learning.module_of_kind(uow, body.quiz_id, ModuleKind.QUIZ)
                await uow.commit()
        return _submission(submission, quiz)

    @router.get("/customers/{customer_id}/quiz-submissions", tags=["quizzes"])
    async def quiz_submissions(
        customer_id: uuid.UUID, uow: UnitOfWork, quiz_id: uuid.UUID | None = None
    ) -> SubmissionList:
        """Every attempt with its responses (the seed's "Quiz Submissions" and "View Responses")."""
        async with uow:
            found = await uow.submissions.of_customer(customer_id, quiz_id)
            quizzes = {q: await uow.catalogue.get(q) for q in {s.quiz_id for s in found}}
        items = [_submission(s, quizzes[s.quiz_id]) for s in found]
        return SubmissionList(items=items, total=len(items))

    @router.delete("/quiz-submissions/{submission_id}", status_code=204, tags=["quizzes"])
    async def remove_submission(submission_id: uuid.UUID, uow: UnitOfWork) -> Response:
        with http_errors():
            async with uow:
                await learning.remove_submission(uow, submission_id)
                await uow.commit()
        return Response(status_code=204)

    @router.delete("/customers/{customer_id}/cmi/{module_id}", status_code=204, tags=["learners"])
    async def clear_cmi(customer_id: uuid.UUID, module_id: uuid.UUID, uow: UnitOfWork) -> Response:
        """The transcript's "Clear CMI Data" (SCORM modules)."""
        with http_errors():
            async with uow:
                await learning.clear_cmi(uow, customer_id, module_id)
                await uow.commit()
        return Response(status_code=204)


def _item_name(item: Item | None) -> str:
    return item.name if item else ""


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
