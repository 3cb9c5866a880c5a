"""Learner sign-in, sessions, impersonation and sign-out.

Sessions live here, next to the lockout and the login history, so a status change ends them
in the same transaction. The IP slow-down answers "try again in N seconds" rather than
sleeping: a sleeping request would hold a worker for the attacker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from customer_account.domain.activity import Activity
from customer_account.domain.actors import CUSTOMER, SYSTEM, Actor
from customer_account.domain.customer import Customer, CustomerStatus, normalize_email, now
from customer_account.domain.errors import CustomerNotFound, NotAllowed, WrongCurrentPassword
from customer_account.domain.sign_in import SignInPolicy, StoredSession, new_token, token_hash
from customer_account.service_layer.status import apply_status
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork

if TYPE_CHECKING:
    from customer_account.settings import Settings


@dataclass(frozen=True, slots=True)
class SessionConfig:
    policy: SignInPolicy
    ttl: timedelta = timedelta(minutes=60)
    impersonation_ttl: timedelta = timedelta(minutes=15)

    @classmethod
    def of(cls, settings: Settings) -> SessionConfig:
        policy = SignInPolicy(
            max_failures=settings.lockout_max_failures,
            failure_window=timedelta(minutes=settings.lockout_window_minutes),
            ip_free_failures=settings.sign_in_ip_free_failures,
            ip_base_delay_seconds=settings.sign_in_ip_base_delay_seconds,
            ip_max_delay_seconds=settings.sign_in_ip_max_delay_seconds,
        )
        return cls(
            policy,
            ttl=timedelta(minutes=settings.session_ttl_minutes),
            impersonation_ttl=timedelta(minutes=settings.impersonation_ttl_minutes),
        )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    customer_id: uuid.UUID
    password_change_required: bool


@dataclass(frozen=True, slots=True)
class SessionInfo:
    customer_id: uuid.UUID
    impersonated_by: str | None
    password_change_required: bool
    expires_at: datetime


# The sign-in's refusals: its route answers them itself (401, 403, 429 have no domain error).


class InvalidCredentials(Exception):
    """A wrong password or an unknown e-mail (the answer does not say which)."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class SignInRefused(Exception):
    """Right password, but the account may not sign in (only said when the password was right)."""

    def __init__(self, status: CustomerStatus) -> None:
        super().__init__(status.value)
        self.status = status


async def sign_in(
    uow: CustomerUnitOfWork, config: SessionConfig, email: str, password: str, ip: str | None
) -> IssuedToken:
    at = now()
    async with uow:
        if ip and (wait := await _ip_wait(uow, config.policy, ip, at)):
            raise TooManyAttempts(wait)
        customer = await uow.customers.by_email(normalize_email(email))
    # argon2 off the event loop, and against a dummy hash for an unknown e-mail (same timing)
    valid = await uow.passwords.verify(customer.password_hash if customer else uow.passwords.dummy_hash, password)
    async with uow:
        if customer is None:
            await uow.logins.record(None, ip, at, success=False)
            await uow.commit()
            raise InvalidCredentials()
        locked = await uow.customers.get(customer.id, for_update=True)  # one customer's attempts in turn
        if locked is None:
            raise InvalidCredentials()
        # A right password on a locked or inactive account is still no sign-in: marked failed.
        await uow.logins.record(locked.id, ip, at, success=valid and locked.may_sign_in())
        if not valid:
            await _count_failure(uow, config.policy, locked, at)
            await uow.commit()
            raise InvalidCredentials()
        if not locked.may_sign_in():
            await uow.commit()
            # a pending deletion answers as an inactive account does
            raise SignInRefused(CustomerStatus.INACTIVE if locked.deletion_pending else locked.status)
        if locked.password_hash and uow.passwords.needs_rehash(locked.password_hash):
            locked.password_hash = await uow.passwords.hash(password)  # generated → argon2id
        locked.failures_reset_at = at
        await uow.customers.save(locked)
        issued = await _issue(uow, locked, None, config.ttl, at)
        await uow.commit()
    return issued


async def _ip_wait(uow: CustomerUnitOfWork, policy: SignInPolicy, ip: str, at: datetime) -> int:
    failures, last = await uow.logins.ip_failures_since(ip, at - policy.failure_window)
    return policy.retry_after(failures, last, at)


async def _count_failure(uow: CustomerUnitOfWork, policy: SignInPolicy, customer: Customer, at: datetime) -> None:
    if customer.status is not CustomerStatus.ACTIVE:
        return
    failures = await uow.logins.failures_since(customer.id, policy.counts_from(at, customer.failures_reset_at))
    if policy.should_lock(failures):
        reason = f"{failures} failed sign-ins within {int(policy.failure_window.total_seconds() // 60)} minutes"
        await apply_status(uow, customer, CustomerStatus.LOCKED, SYSTEM, at, reason=reason)


async def _issue(
    uow: CustomerUnitOfWork, customer: Customer, admin: str | None, ttl: timedelta, at: datetime
) -> IssuedToken:
    token = new_token()
    await uow.sessions.add(StoredSession(token_hash(token), customer.id, admin, at, at + ttl))
    return IssuedToken(token, int(ttl.total_seconds()), customer.id, customer.must_change_password(at))


async def introspect(uow: CustomerUnitOfWork, token: str) -> SessionInfo | None:
    at = now()
    async with uow:
        stored = await uow.sessions.get(token_hash(token))
        if stored is None or stored.expires_at <= at:
            return None
        customer = await uow.customers.get(stored.customer_id)
    if customer is None or not customer.may_sign_in():
        return None
    change_required = customer.must_change_password(at) and stored.impersonated_by is None
    return SessionInfo(customer.id, stored.impersonated_by, change_required, stored.expires_at)


async def revoke(uow: CustomerUnitOfWork, token: str) -> None:
    """Sign-out; an impersonation's end is recorded under its admin."""
    at = now()
    async with uow:
        ended = await uow.sessions.remove(token_hash(token))
        if ended is not None and ended.impersonated_by is not None:
            uow.activity.add(Activity(ended.customer_id, "impersonation_ended", Actor.admin(ended.impersonated_by), at))
        await uow.sessions.purge_expired(at)
        await uow.commit()


async def impersonate(
    uow: CustomerUnitOfWork, config: SessionConfig, customer_id: uuid.UUID, admin: str
) -> IssuedToken:
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        if not customer.may_sign_in():
            state = "pending deletion" if customer.deletion_pending else customer.status.value
            raise NotAllowed("customer_cannot_sign_in", f"The customer is {state} and cannot sign in.")
        issued = await _issue(uow, customer, admin, config.impersonation_ttl, at)
        uow.activity.add(Activity(customer.id, "impersonation_started", Actor.admin(admin), at))
        await uow.commit()
    return issued


async def change_own_password(
    uow: CustomerUnitOfWork, customer_id: uuid.UUID, current: str, new: str, actor: Actor = CUSTOMER
) -> None:
    """The learner's own change (the one thing an expired or must-change password allows)."""
    async with uow:
        customer = await uow.customers.get(customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    if not await uow.passwords.verify(customer.password_hash, current):
        raise WrongCurrentPassword()
    new_hash = await uow.passwords.hash(new)
    at = now()
    async with uow:
        locked = await uow.customers.get(customer_id, for_update=True)
        if locked is None:
            raise CustomerNotFound(customer_id)
        locked.set_password(new_hash, at)
        await uow.customers.save(locked)
        uow.activity.add(Activity(customer_id, "password_changed", actor, at))
        await uow.commit()
