"""LMS integrations: client credentials (RFC 6749 §4.4) limited to scopes.

An integration has a public ``client_id`` and a secret shown once at creation and stored only as an
argon2id hash (like admin passwords). It exchanges them for a short-lived bearer token that reaches
only the admin routes naming one of its scopes (``scope=`` on the route), audited under
``integration:<name>``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from gateway.domain.tokens import TOKEN_BYTES, hash_token
from trainyard_common.domain_errors import InvalidInput

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
CLIENT_ID_PREFIX = "int_"
SECRET_BYTES = 32
ACTOR_PREFIX = "integration:"


class Scope(StrEnum):
    CLIENTS_ASSIGN = "clients:assign"
    PROGRESS_WRITE = "progress:write"
    CUSTOMERS_READ = "customers:read"
    PERSONAL_DATA_READ = "personal-data:read"
    """The customers' keys (``POST /api/v1/integrations/customer-keys``): a subscriber reading the
    personal fields sealed in the events it receives. For integrations only, never admins."""


class InvalidIntegration(InvalidInput):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(field_name, reason, message="The integration is not valid.")


class InsufficientScope(Exception):
    """The integration's token does not carry the scope the route needs (or the route has none)."""

    def __init__(self, needed: Scope | None) -> None:
        super().__init__(needed)
        self.needed = needed


def actor_of(name: str) -> str:
    """How the audit log names the integration: ``integration:<name>``."""
    return f"{ACTOR_PREFIX}{name}"


def valid_name(name: str) -> str:
    clean = name.strip().lower()
    if not NAME_PATTERN.fullmatch(clean):
        raise InvalidIntegration("name", "2-64 characters: lower-case letters, digits, '.', '_' or '-'")
    return clean


def valid_scopes(scopes: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Scope]:
    if not scopes:
        raise InvalidIntegration("scopes", "at least one scope")
    known = {scope.value for scope in Scope}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise InvalidIntegration("scopes", f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return frozenset(Scope(scope) for scope in scopes)


def requested_scopes(granted: frozenset[Scope], scope: str | None) -> frozenset[Scope] | None:
    """The scopes a token request asks for (RFC 6749 §3.3: space-separated; none: all granted);
    None when it asks for one the integration was not granted."""
    if scope is None or not scope.strip():
        return granted
    asked = set(scope.split())
    if not asked <= {s.value for s in granted}:
        return None
    return frozenset(Scope(s) for s in asked)


def scope_string(scopes: frozenset[Scope]) -> str:
    return " ".join(sorted(scope.value for scope in scopes))


@dataclass(slots=True)
class Integration:
    client_id: str
    name: str
    scopes: frozenset[Scope]
    secret_hash: str
    created_by: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_client_id() -> str:
    return f"{CLIENT_ID_PREFIX}{secrets.token_hex(12)}"


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


@dataclass(frozen=True, slots=True)
class IntegrationToken:
    token_hash: str
    client_id: str
    scopes: frozenset[Scope]
    expires_at: datetime

    def is_active(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class IssuedIntegrationToken:
    raw: str
    token: IntegrationToken


def issue_integration_token(
    client_id: str, scopes: frozenset[Scope], *, now: datetime, ttl_seconds: int
) -> IssuedIntegrationToken:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = IntegrationToken(
        token_hash=hash_token(raw), client_id=client_id, scopes=scopes, expires_at=now + timedelta(seconds=ttl_seconds)
    )
    return IssuedIntegrationToken(raw=raw, token=token)


def check_scope(granted: frozenset[Scope], needed: Scope | None) -> None:
    """``InsufficientScope`` unless the route names a scope and the token carries it."""
    if needed is None or needed not in granted:
        raise InsufficientScope(needed)
