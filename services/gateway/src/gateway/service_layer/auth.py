"""Signing admins in, checking their tokens, creating admins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from gateway.domain.admins import (
    Admin,
    Principal,
    Role,
    WeakPassword,
    acceptable_password,
    new_admin,
    normalize_username,
    valid_username,
)
from gateway.domain.audit import SYSTEM_ACTOR, AuditEntry, Outcome
from gateway.domain.sign_in_throttle import SignInThrottle, ThrottleScope
from gateway.domain.tokens import hash_token, issue_token
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.correlation import current_correlation_id
from trainyard_common.domain_errors import Conflicting
from trainyard_common.logs import get_logger
from trainyard_common.passwords.gate import HashingGate
from trainyard_common.passwords.metrics import SIGN_IN_THROTTLED

__all__ = ["SignInThrottle", "ThrottleScope"]  # re-exported: the throttle's rules live in the domain

log = get_logger(__name__)

SIGN_IN = "sign-in"
CREATE_FIRST_ADMIN = "create-first-admin"

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class InvalidCredentials(Exception):
    """Unknown username, wrong password or a disabled admin: deliberately one error, so neither
    usernames nor a disabled admin's password can be told apart."""


class UsernameTaken(Conflicting):
    def __init__(self, username: str) -> None:
        super().__init__(
            "An admin with this username exists.",
            code="username_taken",
            field_name="username",
            field_reason="already taken",
        )
        self.username = username


class TooManyAttempts(Exception):
    """Too many failed sign-ins lately for this username from this address, or from this address
    overall; try after ``retry_after`` s."""

    def __init__(self, retry_after: int, scope: ThrottleScope = ThrottleScope.USERNAME_AND_ADDRESS) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


@dataclass(frozen=True, slots=True)
class SignIn:
    username: str
    password: str
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    expires_in: int
    role: Role


@dataclass(frozen=True, slots=True)
class CreateAdmin:
    username: str
    password: str
    role: Role


async def hashed(gate: HashingGate | None, work: Callable[..., T], *args: object) -> T:
    """Run the slow password ``work`` in a thread, inside one of the gate's slots (``HashingBusy``
    when none frees in time); without a gate (unit tests' instant fakes), unbounded."""
    async with gate.slot() if gate is not None else contextlib.nullcontext():
        return await asyncio.to_thread(work, *args)


async def sign_in(
    uow: GatewayUnitOfWork,
    command: SignIn,
    *,
    passwords: Passwords,
    ttl_seconds: int,
    now: datetime,
    throttle: SignInThrottle = SignInThrottle(),
    gate: HashingGate | None = None,
    sleep: Sleep = asyncio.sleep,
) -> SignedIn:
    username = normalize_username(command.username)
    delay = await check_throttle(uow, username, command.client_ip, throttle, now)
    admin = await uow.admins.by_username(username)
    await uow.release()  # no connection held through the delay and the hash
    if delay > 0:
        await sleep(delay)
    # Verify even for an unknown username (against no hash): both failures take as long.
    verified = await hashed(gate, passwords.verify, admin.password_hash if admin else None, command.password)
    if admin is None or not verified or not admin.active:
        await uow.audit.add(audit_entry(username, SIGN_IN, None, Outcome.DENIED, 401, client_ip=command.client_ip))
        await uow.commit()
        log.warning("admin sign-in failed", username=username, client_ip=command.client_ip)  # never the password
        raise InvalidCredentials
    issued = issue_token(admin.id, now=now, ttl_seconds=ttl_seconds)
    await uow.tokens.delete_expired(now)
    await uow.tokens.add(issued.token)
    await uow.audit.add(audit_entry(admin.username, SIGN_IN, None, Outcome.SUCCESS, 200, client_ip=command.client_ip))
    await uow.commit()
    return SignedIn(access_token=issued.raw, expires_in=ttl_seconds, role=admin.role)


async def check_throttle(
    uow: GatewayUnitOfWork, username: str, client_ip: str | None, throttle: SignInThrottle, now: datetime
) -> float:
    """Raise ``TooManyAttempts`` for a refused pair or address; else the delay (s) owed first."""
    since = now - timedelta(seconds=throttle.window_seconds)
    if client_ip is not None:
        from_ip = await uow.audit.count_since(action=SIGN_IN, outcome=Outcome.DENIED, since=since, client_ip=client_ip)
        if from_ip >= throttle.max_failures_per_ip:
            _throttled(ThrottleScope.ADDRESS, username, client_ip, from_ip)
            raise TooManyAttempts(throttle.window_seconds, ThrottleScope.ADDRESS)
        pair = await uow.audit.failures_since_last_success(
            action=SIGN_IN,
            since=since,
            limit=throttle.max_failures_per_username_and_ip,
            actor=username,
            client_ip=client_ip,
        )
        retry_after = throttle.pair_retry_after(pair, now)
        if retry_after is not None:
            _throttled(ThrottleScope.USERNAME_AND_ADDRESS, username, client_ip, len(pair))
            raise TooManyAttempts(retry_after, ThrottleScope.USERNAME_AND_ADDRESS)
    anywhere = await uow.audit.failures_since_last_success(
        action=SIGN_IN, since=since, limit=throttle.max_failures_per_username + 32, actor=username
    )
    delay = throttle.delay_for(len(anywhere))
    if delay > 0:
        _throttled(ThrottleScope.USERNAME, username, client_ip, len(anywhere), delay_seconds=delay)
    return delay


def _throttled(scope: ThrottleScope, username: str, client_ip: str | None, failures: int, **more: float) -> None:
    """Log the pattern (never the password) and count it."""
    SIGN_IN_THROTTLED.labels(who="admin", scope=scope.value).inc()
    log.warning(
        "admin sign-in throttled",
        scope=scope.value,
        username=username,
        client_ip=client_ip,
        recent_failures=failures,
        **more,
    )


async def sign_out(uow: GatewayUnitOfWork, raw_token: str, *, now: datetime) -> bool:
    """Revoke the token at once; False if it was unknown or already revoked."""
    revoked = await uow.tokens.revoke(hash_token(raw_token), now)
    await uow.commit()
    return revoked


async def authenticate(uow: GatewayUnitOfWork, raw_token: str, *, now: datetime) -> Principal | None:
    """The admin holding ``raw_token``; None when it is unknown, expired, revoked or the admin is
    disabled."""
    found = await uow.tokens.holder(hash_token(raw_token))
    if found is None:
        return None
    token, principal = found
    return principal if token.is_active(now) else None


async def live_admin(uow: GatewayUnitOfWork, token_hash: str, *, now: datetime) -> Principal | None:
    """The admin holding the token with this SHA-256, if it is live now (``admin_token_live``)."""
    found = await uow.tokens.holder(token_hash)
    return found[1] if found is not None and found[0].is_active(now) else None


async def admin_token_live(uow: GatewayUnitOfWork, token_hash: str, *, now: datetime) -> bool:
    """Whether the admin token with this SHA-256 is live now (not expired, not revoked, its admin
    active): an impersonation started with it lasts no longer."""
    found = await uow.tokens.holder(token_hash)
    return found is not None and found[0].is_active(now)


async def create_admin(
    uow: GatewayUnitOfWork, command: CreateAdmin, *, passwords: Passwords, gate: HashingGate | None = None
) -> Admin:
    admin = await _add_admin(uow, command, passwords, gate)
    await uow.commit()
    return admin


async def ensure_first_admin(
    uow: GatewayUnitOfWork, command: CreateAdmin, *, passwords: Passwords, gate: HashingGate | None = None
) -> bool:
    """Create the configured first admin unless one of that name exists; True if created.

    Its password passes the one policy like any other: production refuses to start otherwise
    (settings validation); elsewhere the admin is not created and the reason is logged."""
    if await uow.admins.by_username(normalize_username(command.username)) is not None:
        return False
    try:
        admin = await _add_admin(uow, command, passwords, gate)
    except UsernameTaken:  # another replica created it in the meantime
        return False
    except WeakPassword as refused:
        log.error(
            "first admin not created: TRAINYARD_ADMIN_PASSWORD fails the password policy",
            username=command.username,
            reason=refused.reason,
        )
        return False
    await uow.audit.add(audit_entry(SYSTEM_ACTOR, CREATE_FIRST_ADMIN, f"admin:{admin.username}", Outcome.SUCCESS, None))
    await uow.commit()
    return True


async def _add_admin(
    uow: GatewayUnitOfWork, command: CreateAdmin, passwords: Passwords, gate: HashingGate | None
) -> Admin:
    username = valid_username(command.username)  # before the (slow) hashing
    acceptable_password(command.password)
    password_hash = await hashed(gate, passwords.hash, command.password)
    admin = new_admin(username=username, password_hash=password_hash, role=command.role)
    if not await uow.admins.add(admin):
        raise UsernameTaken(admin.username)
    return admin


def audit_entry(
    actor: str,
    action: str,
    target: str | None,
    outcome: Outcome,
    status_code: int | None,
    *,
    client_ip: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        status_code=status_code,
        correlation_id=current_correlation_id(),
        client_ip=client_ip,
    )
