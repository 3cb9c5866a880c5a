"""Sign-in, the lockout, the IP slow-down, sessions, impersonation and the learner's own password."""

from __future__ import annotations

from datetime import timedelta

import pytest

from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus, now
from customer_account.domain.errors import NotAllowed, WrongCurrentPassword
from customer_account.domain.sign_in import SignInPolicy
from customer_account.service_layer import accounts, sessions
from customer_account.service_layer.sessions import SessionConfig
from trainyard_common.testing.use_cases import emitted

from .conftest import PASSWORD, Register, Uows

pytestmark = pytest.mark.integration

CONFIG = SessionConfig(
    SignInPolicy(max_failures=3, failure_window=timedelta(minutes=15), ip_free_failures=100),
    ttl=timedelta(minutes=5),
    impersonation_ttl=timedelta(minutes=2),
)
ADMIN = Actor.admin("root@trainyard")


async def _fail(uows: Uows, times: int, email: str = "ada@example.com", ip: str | None = None) -> None:
    for _ in range(times):
        with pytest.raises(sessions.InvalidCredentials):
            await sessions.sign_in(uows(), CONFIG, email, "wrong password", ip)


async def _status(uows: Uows, customer_id: object) -> CustomerStatus:
    async with uows() as uow:
        found = await uow.customers.get(customer_id)  # type: ignore[arg-type]
    assert found is not None
    return found.status


async def test_sign_in_is_case_insensitive_on_the_email_and_issues_a_session_of_the_ttl(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), CONFIG, "ADA@Example.com", PASSWORD, "10.0.0.1")
    assert (issued.customer_id, issued.expires_in) == (ada.id, 300)
    found = await sessions.introspect(uows(), issued.token)
    assert found is not None
    assert found.customer_id == ada.id
    assert found.impersonated_by is None
    assert abs(found.expires_at - (now() + timedelta(minutes=5))) < timedelta(seconds=30)


async def test_failures_lock_the_account_at_the_maximum_within_the_window(uows: Uows, register: Register) -> None:
    ada = await register()
    await _fail(uows, 2)
    assert await _status(uows, ada.id) is CustomerStatus.ACTIVE
    await _fail(uows, 1)
    assert await _status(uows, ada.id) is CustomerStatus.LOCKED
    [changed] = await emitted(uows(), "CustomerStatusChanged")
    assert (changed["status"], changed["previous_status"], changed["actor"]) == ("locked", "active", "system")
    assert changed["reason"] == "3 failed sign-ins within 15 minutes"


async def test_a_locked_account_is_refused_as_locked_even_with_the_right_password(
    uows: Uows, register: Register
) -> None:
    await register()
    await _fail(uows, 3)
    with pytest.raises(sessions.SignInRefused) as refused:
        await sessions.sign_in(uows(), CONFIG, "ada@example.com", PASSWORD, None)
    assert refused.value.status is CustomerStatus.LOCKED


async def test_an_admin_unlock_forgives_the_failures_that_caused_the_lock(uows: Uows, register: Register) -> None:
    ada = await register()
    await _fail(uows, 3)
    await accounts.set_status(uows(), ada.id, CustomerStatus.ACTIVE, ADMIN)
    await _fail(uows, 2)  # with the old three still counted, this would lock again
    assert await _status(uows, ada.id) is CustomerStatus.ACTIVE
    issued = await sessions.sign_in(uows(), CONFIG, "ada@example.com", PASSWORD, None)
    assert issued.customer_id == ada.id


async def test_an_account_and_address_past_their_free_failures_must_wait_before_trying_again(
    uows: Uows, register: Register
) -> None:
    await register()
    config = SessionConfig(SignInPolicy(max_failures=50, ip_free_failures=2, ip_base_delay_seconds=60))
    for _ in range(2):  # free: answered at once
        with pytest.raises(sessions.InvalidCredentials):
            await sessions.sign_in(uows(), config, "ada@example.com", "x", "10.0.0.9")
    with pytest.raises(sessions.TooManyAttempts) as waiting:
        await sessions.sign_in(uows(), config, "ada@example.com", PASSWORD, "10.0.0.9")
    assert 0 < waiting.value.retry_after <= 60
    assert (await sessions.sign_in(uows(), config, "ada@example.com", PASSWORD, "10.0.0.10")).token


async def test_sign_out_ends_the_session(uows: Uows, register: Register) -> None:
    await register()
    issued = await sessions.sign_in(uows(), CONFIG, "ada@example.com", PASSWORD, None)
    await sessions.revoke(uows(), issued.token)
    assert await sessions.introspect(uows(), issued.token) is None
    await sessions.revoke(uows(), issued.token)  # an unknown token is already signed out


async def test_an_impersonation_has_its_own_ttl_and_is_logged_under_the_admin(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.impersonate(uows(), CONFIG, ada.id, "root@trainyard")
    assert issued.expires_in == 120
    found = await sessions.introspect(uows(), issued.token)
    assert found is not None
    assert found.impersonated_by == "root@trainyard"
    await sessions.revoke(uows(), issued.token)
    async with uows() as uow:
        entries, _ = await uow.activity.of_customer(ada.id, limit=10, offset=0)
    logged = [(e.type, e.actor.label) for e in entries if e.type.startswith("impersonation")]
    assert logged == [("impersonation_started", "root@trainyard"), ("impersonation_ended", "root@trainyard")]


async def test_a_customer_who_cannot_sign_in_cannot_be_impersonated(uows: Uows, register: Register) -> None:
    ada = await register()
    await accounts.set_status(uows(), ada.id, CustomerStatus.INACTIVE, ADMIN)
    with pytest.raises(NotAllowed) as refused:
        await sessions.impersonate(uows(), CONFIG, ada.id, "root@trainyard")
    assert (refused.value.code, refused.value.reason) == (
        "customer_cannot_sign_in",
        "The customer is inactive and cannot sign in.",
    )


async def test_deactivating_a_customer_ends_their_sessions_and_announces_the_change(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), CONFIG, "ada@example.com", PASSWORD, None)
    await accounts.set_status(uows(), ada.id, CustomerStatus.INACTIVE, ADMIN)
    await accounts.set_status(uows(), ada.id, CustomerStatus.INACTIVE, ADMIN)  # the same again: no news
    assert await sessions.introspect(uows(), issued.token) is None
    changes = await emitted(uows(), "CustomerStatusChanged")
    assert [(c["status"], c["previous_status"], c["actor"]) for c in changes] == [("inactive", "active", "admin")]


async def test_the_learners_own_change_needs_the_current_password(uows: Uows, register: Register) -> None:
    ada = await register()
    with pytest.raises(WrongCurrentPassword) as wrong:
        await sessions.change_own_password(uows(), ada.id, "not it", "a new password")
    assert (wrong.value.code, wrong.value.field_name) == ("wrong_password", "current_password")
    await sessions.change_own_password(uows(), ada.id, PASSWORD, "a new password")
    with pytest.raises(sessions.InvalidCredentials):
        await sessions.sign_in(uows(), CONFIG, "ada@example.com", PASSWORD, None)
    assert (await sessions.sign_in(uows(), CONFIG, "ada@example.com", "a new password", None)).customer_id == ada.id
