"""Learner sign-in, sessions, impersonation and sign-out.

Sessions live here, next to the lockout and the login history, so a status change ends them
in the same transaction. The slow-downs answer "try again in N seconds" rather than sleeping:
a sleeping request would hold a worker for the attacker.

A locked or inactive account gets one answer whatever the password (``SignInRefused``), after
the same hash verification as any other attempt, and the attempt counts as a failure: no
oracle. An automatic lock lifts at the first attempt after its cool-down. See
``domain/sign_in.py`` for who is slowed down by what.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from customer_account.domain.activity import Activity
from customer_account.domain.actors import CUSTOMER, SYSTEM, Actor
from customer_account.domain.customer import Customer, CustomerStatus, normalize_email, now
from customer_account.domain.errors import CustomerNotFound, NotAllowed, WrongCurrentPassword
from customer_account.domain.sign_in import (
    SignInPolicy,
    StoredSession,
    new_token,
    require_acceptable_password,
    token_hash,
)
from customer_account.service_layer.status import apply_status
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork

if TYPE_CHECKING:
    from customer_account.settings import Settings


COOLED_DOWN = "the automatic lock's cool-down is over"


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
            lock_cooldown=timedelta(minutes=settings.lock_cooldown_minutes),
            address_max_failures=settings.sign_in_address_max_failures,
            address_window=timedelta(minutes=settings.sign_in_address_window_minutes),
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
    admin_token_hash: str | None = None


# The sign-in's refusals: its route answers them itself (401, 403, 429 have no domain error).


class InvalidCredentials(Exception):
    """A wrong password or an unknown e-mail (the answer does not say which)."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class SignInRefused(Exception):
    """The account may not sign in: said whatever the password (the same answer to right and
    wrong ones, so it tells nothing about the password)."""

    def __init__(self, status: CustomerStatus) -> None:
        super().__init__(status.value)
        self.status = status


async def sign_in(
    uow: CustomerUnitOfWork, config: SessionConfig, email: str, password: str, ip: str | None
) -> IssuedToken:
    at = now()
    policy = config.policy
    async with uow:
        if ip and (wait := await _address_wait(uow, policy, ip, at)):
            raise TooManyAttempts(wait)
        customer = await uow.customers.by_email(normalize_email(email))
        if customer is not None and ip and (wait := await _pair_wait(uow, policy, customer, ip, at)):
            raise TooManyAttempts(wait)
    # argon2 off the event loop, and against a dummy hash for an unknown e-mail (same timing); a
    # locked or inactive account's hash is verified too, though its answer does not depend on it
    valid = await uow.passwords.verify(customer.password_hash if customer else uow.passwords.dummy_hash(), password)
    async with uow:
        if customer is None:
            await uow.logins.record(None, ip, at, success=False)
            await uow.commit()
            raise InvalidCredentials()
        locked = await uow.customers.get(customer.id, for_update=True)  # one customer's attempts in turn
        if locked is None:
            raise InvalidCredentials()
        if locked.status is CustomerStatus.LOCKED:
            await _lift_after_cooldown(uow, policy, locked, at)
        # A locked or inactive account: a failed attempt whatever the password, one answer for both.
        await uow.logins.record(locked.id, ip, at, success=valid and locked.may_sign_in())
        if not locked.may_sign_in():
            await uow.commit()
            # a pending deletion answers as an inactive account does
            raise SignInRefused(CustomerStatus.INACTIVE if locked.deletion_pending else locked.status)
        if not valid:
            await _count_failure(uow, policy, locked, at)
            await uow.commit()
            raise InvalidCredentials()
        if locked.password_hash and uow.passwords.needs_rehash(locked.password_hash):
            locked.password_hash = await uow.passwords.hash(password)  # generated → argon2id
        locked.failures_reset_at = at
        await uow.customers.save(locked)
        issued = await _issue(uow, locked, None, config.ttl, at)
        uow.activity.add(Activity(locked.id, "signed_in", CUSTOMER, at))  # the address: login history only
        await uow.commit()
    return issued


async def _lift_after_cooldown(uow: CustomerUnitOfWork, policy: SignInPolicy, customer: Customer, at: datetime) -> None:
    """An automatic lock whose cool-down is over ends (as of the cool-down's end: the failures
    since count again); an admin's lock, or one without a record, stays."""
    lock = await uow.logins.lock_of(customer.id)
    if lock is None or not policy.lifts(lock, at):
        return
    ended = lock.locked_at + policy.lock_cooldown
    await apply_status(uow, customer, CustomerStatus.ACTIVE, SYSTEM, ended, reason=COOLED_DOWN)


async def _address_wait(uow: CustomerUnitOfWork, policy: SignInPolicy, ip: str, at: datetime) -> int:
    """Only a large volume of failures from one address slows down everyone behind it."""
    since = at - policy.address_window
    excess = policy.address_excess(await uow.logins.ip_failures_since(ip, since))
    if not excess:
        return 0
    ageing_out = await uow.logins.ip_failure_at(ip, since, excess)
    return policy.address_retry_after(ageing_out, at) if ageing_out is not None else 0


async def _pair_wait(uow: CustomerUnitOfWork, policy: SignInPolicy, customer: Customer, ip: str, at: datetime) -> int:
    """Failures for this account from this address (an unlock does not forgive them: a guesser
    stays slowed down where they guess from, while the learner signs in from elsewhere)."""
    failures, last = await uow.logins.pair_failures_since(customer.id, ip, at - policy.failure_window)
    return policy.retry_after(failures, last, at)


async def _count_failure(uow: CustomerUnitOfWork, policy: SignInPolicy, customer: Customer, at: datetime) -> None:
    if customer.status is not CustomerStatus.ACTIVE:
        return
    failures = await uow.logins.failures_since(customer.id, policy.counts_from(at, customer.failures_reset_at))
    if policy.should_lock(failures):
        reason = f"{failures} failed sign-ins within {int(policy.failure_window.total_seconds() // 60)} minutes"
        await apply_status(uow, customer, CustomerStatus.LOCKED, SYSTEM, at, reason=reason)


async def _issue(
    uow: CustomerUnitOfWork,
    customer: Customer,
    admin: str | None,
    ttl: timedelta,
    at: datetime,
    *,
    admin_token_hash: str | None = None,
) -> IssuedToken:
    token = new_token()
    await uow.sessions.add(StoredSession(token_hash(token), customer.id, admin, at, at + ttl, admin_token_hash))
    return IssuedToken(token, int(ttl.total_seconds()), customer.id, customer.must_change_password(at))


async def introspect(uow: CustomerUnitOfWork, token: str) -> SessionInfo | None:
    return (await introspect_many(uow, [token]))[0]


async def introspect_many(uow: CustomerUnitOfWork, tokens: Sequence[str]) -> list[SessionInfo | None]:
    """Each token's live session, in the tokens' order (None: unknown, expired or ended, or its
    customer may not sign in). Two statements however many tokens: the gateway asks about every
    token in use about once a second, gathered."""
    at = now()
    hashes = [token_hash(token) for token in tokens]
    async with uow:
        stored = {h: s for h, s in (await uow.sessions.many(hashes)).items() if s.expires_at > at}
        customers = await uow.customers.many({s.customer_id for s in stored.values()}) if stored else {}
    return [_session_info(stored.get(h), customers, at) for h in hashes]


def _session_info(
    stored: StoredSession | None, customers: Mapping[uuid.UUID, Customer], at: datetime
) -> SessionInfo | None:
    customer = customers.get(stored.customer_id) if stored is not None else None
    if stored is None or customer is None or not customer.may_sign_in():
        return None
    change_required = customer.must_change_password(at) and stored.impersonated_by is None
    return SessionInfo(customer.id, stored.impersonated_by, change_required, stored.expires_at, stored.admin_token_hash)


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
    uow: CustomerUnitOfWork,
    config: SessionConfig,
    customer_id: uuid.UUID,
    admin: str,
    admin_token_hash: str | None = None,
) -> IssuedToken:
    """A learner token for ``admin``; ``admin_token_hash`` (the admin's own token, hashed) is
    kept with it and told to the gateway at every introspection: the impersonation is honoured
    only while that admin token is live there (signed out, revoked, expired or a disabled admin
    ends it)."""
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        if not customer.may_sign_in():
            state = "pending deletion" if customer.deletion_pending else customer.status.value
            raise NotAllowed("customer_cannot_sign_in", f"The customer is {state} and cannot sign in.")
        issued = await _issue(uow, customer, admin, config.impersonation_ttl, at, admin_token_hash=admin_token_hash)
        uow.activity.add(Activity(customer.id, "impersonation_started", Actor.admin(admin), at))
        await uow.commit()
    return issued


async def change_own_password(
    uow: CustomerUnitOfWork,
    customer_id: uuid.UUID,
    current: str,
    new: str,
    actor: Actor = CUSTOMER,
    *,
    keep_session: str | None = None,
) -> None:
    """The learner's own change (the one thing an expired or must-change password allows). The
    customer's other sessions end; ``keep_session`` (a token hash: the session the change was
    made in) stays when it is theirs — without it, every session ends."""
    require_acceptable_password(new, "new_password")  # before any hashing
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
        await uow.sessions.end_others(customer_id, keep_session)
        uow.activity.add(Activity(customer_id, "password_changed", actor, at))
        await uow.commit()
