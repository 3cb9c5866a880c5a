"""Quiz submissions (learner and admin) and SCORM CMI data; both feed the module's progress.

Each use case runs its own transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from training_progress.domain import quizzes
from training_progress.domain.catalogue import Item, ModuleKind, Quiz
from training_progress.domain.errors import Invalid, NotFound
from training_progress.domain.progress import NamedEntry, progress_from_cmi
from training_progress.domain.quizzes import Submission
from training_progress.service_layer import announcements
from training_progress.service_layer.progress import check_live_access, learner_activity
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.projections.customers import KnownCustomer
from trainyard_common.vocabulary import ProgressSource


@dataclass(frozen=True, slots=True)
class QuizCompletion:
    """An admin's "Add Completion": status, submission time and score."""

    quiz_id: uuid.UUID
    passed: bool
    submitted_at: datetime
    score: Decimal


@dataclass(frozen=True, slots=True)
class Submitted:
    """A submission stored, with its quiz module (whose questions the responses answer)."""

    submission: Submission
    quiz: Item
    attempt: int | None = None
    """Which of the learner's attempts this was (None: an admin's recorded result)."""

    @property
    def attempts_left(self) -> int | None:
        """None: unlimited."""
        limit = self.quiz.quiz.attempt_limit if self.quiz.quiz else None
        if limit is None or self.attempt is None:
            return None
        return max(limit - self.attempt, 0)


async def module_of_kind(uow: ProgressUnitOfWork, module_id: uuid.UUID, kind: ModuleKind) -> Item:
    item = await uow.catalogue.get(module_id)
    if item is None or item.kind is not kind:
        raise NotFound(f"No {kind.value} module with this id.", field="module_id")
    return item


async def submit_quiz(
    uow: ProgressUnitOfWork,
    customer_id: uuid.UUID,
    quiz_id: uuid.UUID,
    answers: quizzes.Answers,
    now: datetime,
    *,
    impersonated_by: str | None = None,
) -> Submitted:
    """Score the learner's answers (live access to the quiz module needed), within the attempt limit;
    the attempt's number comes back too. ``impersonated_by``: the admin submitting as the learner
    (issue 15, item 9), named on the submission and the progress it makes."""
    async with uow:
        item = await module_of_kind(uow, quiz_id, ModuleKind.QUIZ)
        quiz: Quiz = item.quiz  # type: ignore[assignment]  # a quiz module always has its quiz
        await check_live_access(uow, customer_id, item, now)
        await uow.progress.lock_customer(customer_id)
        made = await uow.submissions.count(customer_id, quiz_id)
        quizzes.check_attempts_left(quiz, made)
        result = quizzes.score(quiz, answers)
        submission = Submission(
            uuid.uuid4(),
            customer_id,
            quiz_id,
            now,
            result.score,
            result.passed,
            answers,
            ProgressSource.LEARNER,
            impersonated_by,
        )
        await uow.submissions.add(submission)
        entry = await learner_activity(
            uow,
            customer_id,
            item,
            completed=result.passed,
            score=result.score,
            now=now,
            impersonated_by=impersonated_by,
        )
        uow.emit(announcements.quiz_submitted(NamedEntry(entry, item.name), submission, now))
        await uow.commit()
    return Submitted(submission, item, made + 1)


async def add_quiz_completion(
    uow: ProgressUnitOfWork, customer_id: uuid.UUID, request: QuizCompletion, now: datetime
) -> Submitted:
    """An admin records a quiz result; "passed" records the correct answers as the responses (the seed)."""
    async with uow:
        item = await module_of_kind(uow, request.quiz_id, ModuleKind.QUIZ)
        quiz: Quiz = item.quiz  # type: ignore[assignment]
        if request.submitted_at > now:
            raise Invalid("The submission time must not be in the future.", field="submitted_at")
        if not Decimal(0) <= request.score <= Decimal(100):
            raise Invalid("A score is a percentage from 0 to 100.", field="score")
        answers = quizzes.correct_answers(quiz) if request.passed else {}
        submission = Submission(
            uuid.uuid4(),
            customer_id,
            request.quiz_id,
            request.submitted_at,
            request.score,
            request.passed,
            answers,
            ProgressSource.ADMIN,
        )
        await uow.submissions.add(submission)
        entry = await learner_activity(
            uow,
            customer_id,
            item,
            completed=request.passed,
            score=request.score,
            now=now,
            source=ProgressSource.ADMIN,
            completed_at=request.submitted_at,
        )
        uow.emit(announcements.quiz_submitted(NamedEntry(entry, item.name), submission, now))
        await uow.commit()
    return Submitted(submission, item)


@dataclass(frozen=True, slots=True)
class ResponseFilter:
    """The Quiz Response Report's filters: passed or failed (None: both), submission days (UTC, inclusive)."""

    passed: bool | None = None
    from_day: date | None = None
    to_day: date | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """One submission in the report, with its learner as known here (None: unknown or erased)."""

    submission: Submission
    customer: KnownCustomer | None


@dataclass(frozen=True, slots=True)
class ResponseReport:
    quiz: Item
    responses: list[Response]
    total: int


async def quiz_responses(
    uow: ProgressUnitOfWork, quiz_id: uuid.UUID, filters: ResponseFilter, limit: int, offset: int
) -> ResponseReport:
    """The Quiz Response Report (issue 17, item 8): every learner's submissions to the quiz, the
    learners' own and the admins' "Add Completion" records (the correct answers when passed)."""
    if filters.from_day and filters.to_day and filters.from_day > filters.to_day:
        raise Invalid("`from` must not be after `to`.", field="from")
    async with uow:
        item = await uow.catalogue.get(quiz_id)
        if item is None or item.kind is not ModuleKind.QUIZ:
            raise NotFound("No quiz with this id.", field="id")
        found, total = await uow.submissions.of_quiz(
            quiz_id, filters.passed, filters.from_day, filters.to_day, limit, offset
        )
        known = {c: await uow.customers.get(c) for c in {s.customer_id for s in found}}
    return ResponseReport(item, [Response(s, known[s.customer_id]) for s in found], total)


async def remove_submission(uow: ProgressUnitOfWork, submission_id: uuid.UUID) -> None:
    """The learner may then retake the quiz (one attempt fewer counted); progress stays as it is."""
    async with uow:
        if not await uow.submissions.remove(submission_id):
            raise NotFound("No such quiz submission.", field="id")
        await uow.commit()


async def store_cmi(
    uow: ProgressUnitOfWork,
    customer_id: uuid.UUID,
    module_id: uuid.UUID,
    data: dict[str, Any],
    now: datetime,
    *,
    impersonated_by: str | None = None,
) -> None:
    """Keep the SCORM run-time data and record what it says about progress (started, completed, score);
    the learner needs live access to the module. ``impersonated_by``: the admin sending it as the
    learner (issue 15, item 9), named on the data and the progress it makes."""
    async with uow:
        item = await module_of_kind(uow, module_id, ModuleKind.SCORM)
        await check_live_access(uow, customer_id, item, now)
        await uow.cmi.put(customer_id, module_id, data, now, impersonated_by)
        completed, score = progress_from_cmi(data)
        await learner_activity(
            uow, customer_id, item, completed=bool(completed), score=score, now=now, impersonated_by=impersonated_by
        )
        await uow.commit()


async def clear_cmi(uow: ProgressUnitOfWork, customer_id: uuid.UUID, module_id: uuid.UUID) -> None:
    """The transcript's "Clear CMI Data" (SCORM modules)."""
    async with uow:
        if not await uow.cmi.clear(customer_id, module_id):
            raise NotFound("No CMI data for this customer and module.", field="module_id")
        await uow.commit()
