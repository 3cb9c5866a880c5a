"""Progress: one entry per learner and item, In Progress or Completed.

An entry keeps its id while it moves from started to completed. Un-completing a completed
entry (an admin edit) ends that entry and opens a new one: consumers count a completion once
per entry id (TrainingCompleted is sent once per entry), so the old id must be seen to go.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

from training_progress.domain.catalogue import Item, ModuleKind
from training_progress.domain.errors import Invalid, NotAllowed
from trainyard_common.vocabulary import ProgressSource, ProgressStatus, TrainingItemType


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    id: uuid.UUID
    customer_id: uuid.UUID
    item_type: TrainingItemType
    item_id: uuid.UUID
    status: ProgressStatus
    source: ProgressSource
    started_at: datetime | None = None
    completed_at: datetime | None = None
    score: Decimal | None = None
    impersonated_by: str | None = None
    """The admin whose action, while impersonating the learner, made the entry's latest change (None:
    the learner themselves, an admin entry or an import)."""

    @property
    def completed(self) -> bool:
        return self.status is ProgressStatus.COMPLETED


@dataclass(frozen=True, slots=True)
class NamedEntry:
    """An entry with its item's name (what the events say)."""

    entry: ProgressEntry
    item_name: str


def start_of_day(day: date) -> datetime:
    """Admin entries and imports give a date; the contract's timestamp is midnight UTC of it."""
    return datetime.combine(day, time(), UTC)


def check_not_future(day: date, today: date, field: str = "completed_on") -> None:
    if day > today:
        raise Invalid("The completion date must be today or in the past.", field=field)


def check_score(item_type: TrainingItemType, score: Decimal | None) -> None:
    """The seed: "there is no score on the course as a whole" (nor on a certification)."""
    if score is None:
        return
    if item_type is not TrainingItemType.MODULE:
        raise Invalid("Only modules are scored; courses and certifications have no score.", field="score")
    if not Decimal(0) <= score <= Decimal(100):
        raise Invalid("A score is a percentage from 0 to 100.", field="score")


def check_learner_may_record(item: Item, *, completed: bool, score: Decimal | None) -> None:
    """What a learner's own progress (``POST /learner/progress``) may say (issue 15, item 7).

    Courses and certifications complete only through the roll-up of their modules, so a learner
    records nothing on them (not even "started": starting a module starts them). A quiz module is
    completed, and scored, only by a submission the quiz scores; opening it ("started") is fine.
    Whether the learner has access to the module at all is checked against the access rows.
    """
    if item.type is not TrainingItemType.MODULE:
        raise NotAllowed(
            "completed_by_roll_up",
            f"A {item.type.value} is completed when its modules are: record progress on its modules.",
            field="item_type",
        )
    if item.kind is ModuleKind.QUIZ and (completed or score is not None):
        raise NotAllowed(
            "quiz_needs_submission",
            "A quiz module is completed and scored only by submitting answers to its quiz.",
            field="status" if completed else "score",
        )


def attendance_completed_at(item: Item, completed_at: datetime | None, now: datetime) -> datetime:
    """When an attended in-person event completes its module (issue 17, item 7): ``completed_at`` if the
    admin gives it, else midnight UTC of the event's day; never in the future (an event not yet held)."""
    check_in_person(item)
    if completed_at is not None:
        return completed_at
    assert item.event_date is not None  # an in-person module always has its date
    at = start_of_day(item.event_date)
    if at > now:
        raise Invalid("The event has not taken place yet.", field="attended")
    return at


def check_in_person(item: Item) -> None:
    """Attendance is marked on in-person modules only: 422 ``not_in_person`` on any other item."""
    if item.type is not TrainingItemType.MODULE or item.kind is not ModuleKind.IN_PERSON:
        raise Invalid("Attendance is marked on in-person modules only.", field="attended", code="not_in_person")


def no_access() -> NotAllowed:
    return NotAllowed(
        "no_access",
        "No live access to this module: it opens with a product giving the module, one of its courses "
        "or one of their certifications.",
        field="item_id",
    )


def started(
    customer_id: uuid.UUID, item_type: TrainingItemType, item_id: uuid.UUID, now: datetime, source: ProgressSource
) -> ProgressEntry:
    return ProgressEntry(
        uuid.uuid4(), customer_id, item_type, item_id, ProgressStatus.IN_PROGRESS, source, started_at=now
    )


def not_started(
    customer_id: uuid.UUID, item_type: TrainingItemType, item_id: uuid.UUID, source: ProgressSource
) -> ProgressEntry:
    """A new entry an admin or an import completes at once: it was never started here."""
    return ProgressEntry(uuid.uuid4(), customer_id, item_type, item_id, ProgressStatus.IN_PROGRESS, source)


def complete(entry: ProgressEntry, at: datetime, source: ProgressSource, score: Decimal | None = None) -> ProgressEntry:
    """Completed at ``at``; a score (modules only) is kept when none is given."""
    return replace(
        entry,
        status=ProgressStatus.COMPLETED,
        completed_at=at,
        source=source,
        score=score if score is not None else entry.score,
    )


def changed_by(entry: ProgressEntry, impersonated_by: str | None) -> ProgressEntry:
    """The entry as changed by an action of ``impersonated_by`` impersonating the learner (None: the
    learner, an admin or an import): every change names who made it, so an earlier one's admin goes."""
    return replace(entry, impersonated_by=impersonated_by)


def rescore(entry: ProgressEntry, score: Decimal | None, source: ProgressSource) -> ProgressEntry:
    return replace(entry, score=score, source=source)


def reopen(entry: ProgressEntry, source: ProgressSource) -> ProgressEntry:
    """An admin marks a completed entry incomplete: a NEW entry in progress (see the module doc)."""
    return replace(entry, id=uuid.uuid4(), status=ProgressStatus.IN_PROGRESS, completed_at=None, source=source)


def progress_from_cmi(data: dict[str, object]) -> tuple[bool | None, Decimal | None]:
    """(completed?, score) read from SCORM 1.2 or 2004 run-time data; None where the data says nothing.

    SCORM 1.2 says ``cmi.core.lesson_status`` (passed/completed/failed/incomplete/browsed) and
    ``cmi.core.score.raw``; 2004 says ``cmi.completion_status`` / ``cmi.success_status`` and
    ``cmi.score.scaled`` (-1..1) or ``cmi.score.raw``. Keys may be flat ("cmi.core.lesson_status")
    or nested ({"cmi": {"core": {...}}}).
    """
    flat = _flatten(data)
    status = str(flat.get("cmi.core.lesson_status") or flat.get("cmi.completion_status") or "").lower()
    success = str(flat.get("cmi.success_status") or "").lower()
    completed: bool | None = None
    if status in {"passed", "completed"} or success == "passed":
        completed = True
    elif status in {"incomplete", "browsed", "failed", "not attempted"}:
        completed = False
    return completed, _cmi_score(flat)


def _cmi_score(flat: dict[str, object]) -> Decimal | None:
    try:
        if (scaled := flat.get("cmi.score.scaled")) not in (None, ""):
            value = Decimal(str(scaled)) * 100
        elif (raw := flat.get("cmi.core.score.raw", flat.get("cmi.score.raw"))) not in (None, ""):
            value = Decimal(str(raw))
        else:
            return None
    except ArithmeticError:
        return None
    return value if Decimal(0) <= value <= Decimal(100) else None


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
