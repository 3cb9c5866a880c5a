"""Admin bearer tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32


def hash_token(raw: str) -> str:
    """SHA-256 is enough here: the token has 256 bits of entropy, nothing to brute-force."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AdminToken:
    token_hash: str
    admin_id: uuid.UUID
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class IssuedToken:
    raw: str
    token: AdminToken


def issue_token(admin_id: uuid.UUID, *, now: datetime, ttl_seconds: int) -> IssuedToken:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = AdminToken(token_hash=hash_token(raw), admin_id=admin_id, expires_at=now + timedelta(seconds=ttl_seconds))
    return IssuedToken(raw=raw, token=token)
