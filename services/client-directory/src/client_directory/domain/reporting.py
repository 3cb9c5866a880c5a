"""The report by client: facts are kept per learner and summed by the learner's current client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

TRAINING_TYPES = ("module", "course", "certification")


@dataclass(frozen=True, slots=True)
class ProgressFact:
    progress_id: uuid.UUID
    customer_id: uuid.UUID
    item_type: str
    completed: bool
    recorded_at: datetime
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_id: uuid.UUID
    customer_id: uuid.UUID
    total: Decimal
    currency: str
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class ReportQuery:
    client_id: uuid.UUID | None = None
    industry: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    limit: int = 100
    offset: int = 0


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
