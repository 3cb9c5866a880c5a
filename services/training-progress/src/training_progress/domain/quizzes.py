"""Scoring quiz submissions, and the attempt limit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from training_progress.domain.catalogue import Quiz
from training_progress.domain.errors import Conflict, Invalid
from trainyard_common.vocabulary import ProgressSource

Answers = dict[uuid.UUID, frozenset[int]]


@dataclass(frozen=True, slots=True)
class Submission:
    """One attempt at a quiz: the learner's own (scored here) or an admin's recorded result."""

    id: uuid.UUID
    customer_id: uuid.UUID
    quiz_id: uuid.UUID
    submitted_at: datetime
    score: Decimal
    passed: bool
    answers: Answers
    source: ProgressSource
    impersonated_by: str | None = None
    """The admin who submitted while impersonating the learner (None: the learner, or an admin's entry)."""


@dataclass(frozen=True, slots=True)
class Scored:
    score: Decimal
    passed: bool


def score(quiz: Quiz, answers: Answers) -> Scored:
    """Percent of questions answered exactly right (every correct choice, nothing else)."""
    known = {q.id for q in quiz.questions}
    if unknown := set(answers) - known:
        raise Invalid(f"Unknown question(s): {', '.join(sorted(map(str, unknown)))}.", field="answers")
    right = sum(1 for q in quiz.questions if answers.get(q.id) == q.correct)
    percent = (Decimal(right) * 100 / len(quiz.questions)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Scored(percent, percent >= quiz.pass_mark)


def correct_answers(quiz: Quiz) -> Answers:
    """What an admin's "passed" completion records as the responses (the seed: correct answers selected)."""
    return {q.id: q.correct for q in quiz.questions}


def check_attempts_left(quiz: Quiz, attempts_made: int) -> None:
    if quiz.attempt_limit is not None and attempts_made >= quiz.attempt_limit:
        raise Conflict(
            f"The attempt limit ({quiz.attempt_limit}) is reached; an admin may remove a submission to allow a retake.",
            field="quiz_id",
        )
