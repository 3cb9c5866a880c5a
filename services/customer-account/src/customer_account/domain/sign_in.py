"""The sign-in rules: tokens, the account lockout and its cool-down, the slow-downs per (account,
address) and per address, and the password policy; sessions, attempts and locks.

Who is held back by what (issue 15, items 2 and 3):

* per account: ``max_failures`` failed sign-ins within ``failure_window`` lock the account. While
  it is locked (or inactive) every sign-in gets the same answer whatever the password; an
  *automatic* lock lifts by itself ``lock_cooldown`` after it was taken, an admin's never does;
* per (account, address): after ``ip_free_failures`` failures for one account from one address,
  that pair waits a doubling delay (``429``), so a guesser cannot hold the lock down from there;
* per address: only a large volume (``address_max_failures`` within ``address_window``) slows
  down everyone behind one address (one NAT, one ingress), so other accounts' users still sign in.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from customer_account.domain.actors import Actor, ActorKind
from trainyard_common.domain_errors import InvalidInput
from trainyard_common.passwords.policy import check_password

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
    """Failures for one account from one address before that pair is slowed down."""
    ip_base_delay_seconds: float = 1.0
    ip_max_delay_seconds: float = 300.0
    lock_cooldown: timedelta = timedelta(minutes=30)
    """An automatic lock lifts by itself this long after it was taken."""
    address_max_failures: int = 100
    """Failures from one address (any accounts) within ``address_window`` that slow it down."""
    address_window: timedelta = timedelta(minutes=15)

    def counts_from(self, at: datetime, reset_at: datetime | None) -> datetime:
        """Failures older than this no longer count towards the lockout."""
        start = at - self.failure_window
        return max(start, reset_at) if reset_at is not None else start

    def should_lock(self, recent_failures: int) -> bool:
        return recent_failures >= self.max_failures

    def ip_delay(self, ip_failures: int) -> float:
        """Seconds an (account, address) pair must wait after its last failure: none for the
        first few, then doubling."""
        over = ip_failures - self.ip_free_failures
        if over < 0:
            return 0.0
        return float(min(self.ip_base_delay_seconds * 2**over, self.ip_max_delay_seconds))

    def retry_after(self, ip_failures: int, last_failure: datetime | None, at: datetime) -> int:
        """Whole seconds until this (account, address) pair may try again (0: now)."""
        if last_failure is None:
            return 0
        remaining = self.ip_delay(ip_failures) - (at - last_failure).total_seconds()
        return math.ceil(remaining) if remaining > 0 else 0

    def address_excess(self, address_failures: int) -> int:
        """How many of an address's failures in the window must age out before it may try
        again (0: it may now)."""
        return max(0, address_failures - self.address_max_failures + 1)

    def address_retry_after(self, ageing_out: datetime, at: datetime) -> int:
        """Whole seconds until the failure ``ageing_out`` leaves the address window (at least 1)."""
        return max(1, math.ceil((ageing_out + self.address_window - at).total_seconds()))

    def lifts(self, lock: SignInLock | None, at: datetime) -> bool:
        """Whether a lock is automatic and its cool-down is over (no record: an admin's, kept)."""
        return lock is not None and lock.automatic and at >= lock.locked_at + self.lock_cooldown


@dataclass(frozen=True, slots=True)
class SignInLock:
    """Who took an account's latest lock, and when (the record outlives an unlock: it is only
    read while the account is locked)."""

    customer_id: uuid.UUID
    locked_at: datetime
    locked_by_kind: ActorKind
    locked_by: str | None = None

    @property
    def automatic(self) -> bool:
        return self.locked_by_kind is ActorKind.SYSTEM

    @classmethod
    def taken(cls, customer_id: uuid.UUID, actor: Actor, at: datetime) -> SignInLock:
        return cls(customer_id, at, actor.kind, actor.name)


class WeakPassword(InvalidInput):
    """A chosen password fails the one policy (``trainyard_common.passwords.policy``)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(
            field_name, reason, message="The password does not meet the password policy.", code="weak_password"
        )


def require_acceptable_password(password: str, field_name: str = "password") -> None:
    """Every customer password someone chooses passes here (registration, an admin's create or
    reset, the learner's own change); an import row gets the same reason per row."""
    reason = check_password(password)
    if reason is not None:
        raise WeakPassword(field_name, reason)


@dataclass(frozen=True, slots=True)
class StoredSession:
    token_hash: str
    customer_id: uuid.UUID
    impersonated_by: str | None
    created_at: datetime
    expires_at: datetime
    admin_token_hash: str | None = None
    """An impersonation: the SHA-256 of the admin token that started it (the gateway honours the
    session only while that token is live)."""


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    at: datetime
    ip: str | None
    success: bool
