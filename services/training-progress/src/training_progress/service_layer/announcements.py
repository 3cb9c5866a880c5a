"""Turning progress changes into the events client-directory (and anyone else) relies on.

ProgressRecorded for every created or changed entry; TrainingCompleted once per entry, when it
becomes completed; ProgressDeleted for every removed entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from training_progress.domain.progress import NamedEntry, ProgressEntry
from training_progress.domain.quizzes import Submission
from trainyard_common.actors import current_acted_by
from trainyard_common.contracts import Event, ProgressDeleted, ProgressRecorded, TrainingCompleted
from trainyard_common.contracts.training import QuizSubmissionFacts


def change_events(named: NamedEntry, now: datetime, *, was_completed: bool = False) -> Iterator[Event]:
    entry = named.entry
    facts = {
        "progress_id": entry.id,
        "customer_id": entry.customer_id,
        "item_type": entry.item_type,
        "item_id": entry.item_id,
        "item_name": named.item_name,
        "source": entry.source,
        "score": entry.score,
        "started_at": entry.started_at,
        "impersonated_by": entry.impersonated_by,
        "acted_by": current_acted_by(),  # the request's caller; the system for reactions to events
    }
    yield ProgressRecorded(**facts, status=entry.status, completed_at=entry.completed_at, recorded_at=now)
    if entry.completed and not was_completed and entry.completed_at is not None:
        yield TrainingCompleted(**facts, completed_at=entry.completed_at)


def deletion_event(entry: ProgressEntry, item_name: str, now: datetime) -> ProgressDeleted:
    return ProgressDeleted(
        progress_id=entry.id,
        customer_id=entry.customer_id,
        item_type=entry.item_type,
        item_id=entry.item_id,
        item_name=item_name,
        was_completed=entry.completed,
        completed_at=entry.completed_at if entry.completed else None,
        deleted_at=now,
        acted_by=current_acted_by(),
    )


def quiz_submitted(named: NamedEntry, submission: Submission, now: datetime) -> ProgressRecorded:
    """A quiz submission, told through its quiz module's entry as it stands after it (sent for every
    submission, even one that changes nothing; never with its answers)."""
    entry = named.entry
    return ProgressRecorded(
        progress_id=entry.id,
        customer_id=entry.customer_id,
        item_type=entry.item_type,
        item_id=entry.item_id,
        item_name=named.item_name,
        source=entry.source,
        score=entry.score,
        started_at=entry.started_at,
        impersonated_by=submission.impersonated_by,
        acted_by=current_acted_by(),
        status=entry.status,
        completed_at=entry.completed_at,
        recorded_at=now,
        quiz_submission=QuizSubmissionFacts(
            submission_id=submission.id, score=submission.score, passed=submission.passed
        ),
    )
