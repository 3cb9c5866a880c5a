"""The sign-in rules: tokens, the account lockout and the per-IP slow-down; sessions and attempts."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Only this is stored: a stolen database holds no usable token (tokens are random, so a plain
    SHA-256 is enough; key stretching is for guessable secrets)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    ip_free_failures: int = 3
    ip_base_delay_seconds: float = 1.0
    ip_max_delay_seconds: float = 300.0

    def counts_from(self, at: datetime, reset_at: datetime | None) -> datetime:
        """Failures older than this no longer count towards the lockout."""
        start = at - self.failure_window
        return max(start, reset_at) if reset_at is not None else start

    def should_lock(self, recent_failures: int) -> bool:
        return recent_failures >= self.max_failures

    def ip_delay(self, ip_failures: int) -> float:
        """Seconds an IP must wait after its last failure: none for the first few, then doubling."""
        over = ip_failures - self.ip_free_failures
        if over < 0:
            return 0.0
        return float(min(self.ip_base_delay_seconds * 2**over, self.ip_max_delay_seconds))

    def retry_after(self, ip_failures: int, last_failure: datetime | None, at: datetime) -> int:
        """Whole seconds until this IP may try again (0: now)."""
        if last_failure is None:
            return 0
        remaining = self.ip_delay(ip_failures) - (at - last_failure).total_seconds()
        return math.ceil(remaining) if remaining > 0 else 0


@dataclass(frozen=True, slots=True)
class StoredSession:
    token_hash: str
    customer_id: uuid.UUID
    impersonated_by: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    at: datetime
    ip: str | None
    success: bool
