"""An entry of a customer's activity log: what changed, when, and who did it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from customer_account.domain.actors import Actor


@dataclass(frozen=True, slots=True)
class Activity:
    customer_id: uuid.UUID
    type: str
    actor: Actor
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    source_event_id: str | None = None
    """The event (of another service) this entry was written from: one entry per event, ever."""
