"""Signing admins in, checking their tokens, creating admins."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.domain.admins import Admin, Principal, Role, new_admin, normalize_username, valid_username
from gateway.domain.audit import SYSTEM_ACTOR, AuditEntry, Outcome
from gateway.domain.tokens import hash_token, issue_token
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.correlation import current_correlation_id
from trainyard_common.domain_errors import Conflicting

SIGN_IN = "sign-in"
CREATE_FIRST_ADMIN = "create-first-admin"


class InvalidCredentials(Exception):
    """Unknown username or wrong password: deliberately one error, so usernames stay secret."""


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
    """Too many failed sign-ins lately for this username or from this IP; try after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SignInThrottle:
    """Failed sign-ins allowed per window, counted from the audit trail (so across replicas).

    Counted per username whether or not it exists, so the limit reveals no usernames; per IP
    as well, so one client cannot try many usernames.
    """

    window_seconds: int = 900
    max_failures_per_username: int = 5
    max_failures_per_ip: int = 20


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


async def sign_in(
    uow: GatewayUnitOfWork,
    command: SignIn,
    *,
    passwords: Passwords,
    ttl_seconds: int,
    now: datetime,
    throttle: SignInThrottle = SignInThrottle(),
) -> SignedIn:
    username = normalize_username(command.username)
    await _check_throttle(uow, username, command.client_ip, throttle, now)
    admin = await uow.admins.by_username(username)
    # Verify even for an unknown username (against no hash): both failures take as long.
    verified = await asyncio.to_thread(passwords.verify, admin.password_hash if admin else None, command.password)
    if admin is None or not verified:
        await uow.audit.add(_entry(username, SIGN_IN, None, Outcome.DENIED, 401, client_ip=command.client_ip))
        await uow.commit()
        raise InvalidCredentials
    issued = issue_token(admin.id, now=now, ttl_seconds=ttl_seconds)
    await uow.tokens.delete_expired(now)
    await uow.tokens.add(issued.token)
    await uow.audit.add(_entry(admin.username, SIGN_IN, None, Outcome.SUCCESS, 200, client_ip=command.client_ip))
    await uow.commit()
    return SignedIn(access_token=issued.raw, expires_in=ttl_seconds, role=admin.role)


async def _check_throttle(
    uow: GatewayUnitOfWork, username: str, client_ip: str | None, throttle: SignInThrottle, now: datetime
) -> None:
    since = now - timedelta(seconds=throttle.window_seconds)
    failures = await uow.audit.count_since(action=SIGN_IN, outcome=Outcome.DENIED, since=since, actor=username)
    too_many = failures >= throttle.max_failures_per_username
    if client_ip is not None and not too_many:
        from_ip = await uow.audit.count_since(action=SIGN_IN, outcome=Outcome.DENIED, since=since, client_ip=client_ip)
        too_many = from_ip >= throttle.max_failures_per_ip
    if too_many:
        raise TooManyAttempts(retry_after=throttle.window_seconds)


async def sign_out(uow: GatewayUnitOfWork, raw_token: str, *, now: datetime) -> bool:
    """Revoke the token at once; False if it was unknown or already revoked."""
    revoked = await uow.tokens.revoke(hash_token(raw_token), now)
    await uow.commit()
    return revoked


async def authenticate(uow: GatewayUnitOfWork, raw_token: str, *, now: datetime) -> Principal | None:
    """The admin holding ``raw_token``; None when it is unknown, expired or revoked."""
    found = await uow.tokens.holder(hash_token(raw_token))
    if found is None:
        return None
    token, principal = found
    return principal if token.is_active(now) else None


async def create_admin(uow: GatewayUnitOfWork, command: CreateAdmin, *, passwords: Passwords) -> Admin:
    admin = await _add_admin(uow, command, passwords)
    await uow.commit()
    return admin


async def ensure_first_admin(uow: GatewayUnitOfWork, command: CreateAdmin, *, passwords: Passwords) -> bool:
    """Create the configured first admin unless one of that name exists; True if created."""
    if await uow.admins.by_username(normalize_username(command.username)) is not None:
        return False
    try:
        admin = await _add_admin(uow, command, passwords)
    except UsernameTaken:  # another replica created it in the meantime
        return False
    await uow.audit.add(_entry(SYSTEM_ACTOR, CREATE_FIRST_ADMIN, f"admin:{admin.username}", Outcome.SUCCESS, None))
    await uow.commit()
    return True


async def _add_admin(uow: GatewayUnitOfWork, command: CreateAdmin, passwords: Passwords) -> Admin:
    username = valid_username(command.username)  # before the (slow) hashing
    password_hash = await asyncio.to_thread(passwords.hash, command.password)
    admin = new_admin(username=username, password_hash=password_hash, role=command.role)
    if not await uow.admins.add(admin):
        raise UsernameTaken(admin.username)
    return admin


def _entry(
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
