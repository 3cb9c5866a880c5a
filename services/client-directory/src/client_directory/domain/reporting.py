"""The report by client: facts are kept per learner and summed by the learner's current client."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from client_directory.domain.errors import InvalidInput

TRAINING_TYPES = ("module", "course", "certification")


@dataclass(frozen=True, slots=True)
class ProgressFact:
    progress_id: uuid.UUID
    customer_id: uuid.UUID
    item_type: str
    completed: bool
    recorded_at: datetime
    completed_at: datetime | None = None

    def followed_by(self, later: ProgressFact) -> ProgressFact:
        return ProgressFact(
            self.progress_id,
            self.customer_id,
            self.item_type,
            self.completed or later.completed,
            max(self.recorded_at, later.recorded_at),
            self.completed_at or later.completed_at,
        )


def fold_progress(facts: Sequence[ProgressFact]) -> list[ProgressFact]:
    """Facts of one progress entry merged in their order, one per entry (sorted by id).

    The same rules as recording them one after the other: a completion stays a completion, the
    first completion date stays, the latest recording time wins; the entry keeps its first
    learner and type.
    """
    merged: dict[uuid.UUID, ProgressFact] = {}
    for fact in facts:
        earlier = merged.get(fact.progress_id)
        merged[fact.progress_id] = fact if earlier is None else earlier.followed_by(fact)
    return [merged[key] for key in sorted(merged)]


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_id: uuid.UUID
    customer_id: uuid.UUID
    total: Decimal
    currency: str
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class ReportQuery:
    client_ids: tuple[uuid.UUID, ...] = ()  # empty: every client
    industry: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    limit: int = 100
    offset: int = 0

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("to", "before from")


@dataclass(slots=True)
class TrainingCounts:
    in_progress: int = 0
    completed: int = 0


@dataclass(slots=True)
class ClientReport:
    client_id: uuid.UUID
    client_name: str
    industry: str
    active: bool
    learners: int = 0
    enrollments: int = 0
    progress: dict[str, TrainingCounts] = field(default_factory=lambda: {t: TrainingCounts() for t in TRAINING_TYPES})
    orders: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)

    def add_progress(self, item_type: str, status: str, count: int) -> None:
        counts = self.progress.setdefault(item_type, TrainingCounts())
        if status == "completed":
            counts.completed += count
        else:
            counts.in_progress += count
