"""What training-progress keeps of other services' facts about a learner: their access rows
(commerce-access: what the transcript lists, until when) and their partner (client-directory:
the Partner filter and partner summaries)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class AccessRow:
    access_id: uuid.UUID
    customer_id: uuid.UUID
    item_type: str | None
    item_id: uuid.UUID | None
    starts_on: date
    ends_on: date | None
    state: str
    """active, revoked or expired."""
    changed_at: datetime | None = None
    """When commerce-access made this the row's state (granted, changed, revoked, expired): of two
    events about one row (they travel on different topics), the later one wins."""

    def live_on(self, today: date) -> bool:
        """Whether the access opens its item on ``today`` (UTC, as commerce-access counts days):
        neither revoked nor expired, started, and its last day not passed. ``adapters/projections.py``
        asks the same in SQL (``LIVE_ACCESS``)."""
        return self.state == "active" and self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)


@dataclass(frozen=True, slots=True)
class LearnerClient:
    """The learner's partner (client), as of ``assigned_at``."""

    customer_id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    assigned_at: datetime
