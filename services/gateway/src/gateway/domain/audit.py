"""The audit trail: who did what to which target, when, and how it ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

SYSTEM_ACTOR = "system"


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    REJECTED = "rejected"
    FAILED = "failed"


def outcome_of(status_code: int) -> Outcome:
    """2xx/3xx succeeded, 401/403 were denied, other 4xx rejected, 5xx failed."""
    if status_code < 400:
        return Outcome.SUCCESS
    if status_code in (401, 403):
        return Outcome.DENIED
    return Outcome.REJECTED if status_code < 500 else Outcome.FAILED


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    target: str | None
    outcome: Outcome
    status_code: int | None
    correlation_id: str
    client_ip: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0
