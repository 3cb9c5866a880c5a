"""An e-mail to send (kept in the outbox until delivered), and how long a failed one waits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

MAX_RETRY_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Email:
    recipient: str
    subject: str
    body: str
    customer_id: uuid.UUID | None = None
    id: uuid.UUID | None = None


def retry_delay(attempts: int) -> timedelta:
    """Doubling with the attempts, at most ten minutes."""
    return timedelta(seconds=min(2**attempts, MAX_RETRY_SECONDS))
