"""Issue 15, items 2, 3 and 5: no lockout at will, no password oracle while locked, one address
does not block everyone behind it, one password policy, a password change ends other sessions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus
from customer_account.domain.sign_in import SignInPolicy, WeakPassword, token_hash
from customer_account.service_layer import accounts, sessions
from customer_account.service_layer.sessions import SessionConfig

from .conftest import PASSWORD, Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")
COMMON = "1qaz2wsx3edc"  # 12 characters, on the shipped common-passwords list


def config(**policy: object) -> SessionConfig:
    fields: dict[str, object] = {"max_failures": 3, "ip_free_failures": 100, **policy}
    return SessionConfig(SignInPolicy(**fields))  # type: ignore[arg-type]


async def _fail(uows: Uows, rules: SessionConfig, times: int, email: str, ip: str | None = None) -> None:
    for _ in range(times):
        with pytest.raises(sessions.InvalidCredentials):
            await sessions.sign_in(uows(), rules, email, "wrong password", ip)


async def _status(uows: Uows, customer_id: object) -> CustomerStatus:
    async with uows() as uow:
        found = await uow.customers.get(customer_id)  # type: ignore[arg-type]
    assert found is not None
    return found.status


async def _refusal(uows: Uows, rules: SessionConfig, password: str) -> CustomerStatus:
    with pytest.raises(sessions.SignInRefused) as refused:
        await sessions.sign_in(uows(), rules, "ada@example.com", password, "10.0.0.1")
    return refused.value.status


# --- item 2: the lock, the oracle and the cool-down ------------------------------------------------


async def test_a_locked_account_answers_a_wrong_password_as_it_answers_the_right_one(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    rules = config()
    await _fail(uows, rules, 3, "ada@example.com")
    assert await _refusal(uows, rules, PASSWORD) is CustomerStatus.LOCKED
    assert await _refusal(uows, rules, "wrong password") is CustomerStatus.LOCKED, "no password oracle"
    async with uows() as uow:
        history, _ = await uow.logins.of_customer(ada.id, limit=10, offset=0)
    assert [a.success for a in history] == [False] * 5, "attempts on a locked account count as failures"


async def test_an_inactive_account_answers_a_wrong_password_as_it_answers_the_right_one(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    await accounts.set_status(uows(), ada.id, CustomerStatus.INACTIVE, ADMIN)
    rules = config()
    assert await _refusal(uows, rules, PASSWORD) is await _refusal(uows, rules, "wrong") is CustomerStatus.INACTIVE


async def test_an_automatic_lock_lifts_after_the_cool_down_and_the_right_password_signs_in(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    rules = config(lock_cooldown=timedelta(seconds=1))
    await _fail(uows, rules, 3, "ada@example.com")
    assert await _refusal(uows, rules, PASSWORD) is CustomerStatus.LOCKED, "still cooling down"
    await asyncio.sleep(1.1)
    assert (await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, None)).customer_id == ada.id
    assert await _status(uows, ada.id) is CustomerStatus.ACTIVE
    async with uows() as uow:
        entries, _ = await uow.activity.of_customer(ada.id, limit=10, offset=0)
    lifted = [e for e in entries if e.type == "status_changed" and e.details.get("to") == "active"]
    assert [(e.actor.label, e.details["reason"]) for e in lifted] == [("system", sessions.COOLED_DOWN)]


async def test_after_the_cool_down_a_wrong_password_starts_a_fresh_count(uows: Uows, register: Register) -> None:
    ada = await register()
    rules = config(lock_cooldown=timedelta(seconds=1))
    await _fail(uows, rules, 3, "ada@example.com")
    await asyncio.sleep(1.1)
    await _fail(uows, rules, 1, "ada@example.com")  # lifted, then one failure of three
    assert await _status(uows, ada.id) is CustomerStatus.ACTIVE


async def test_an_admins_lock_does_not_lift_by_itself(uows: Uows, register: Register) -> None:
    ada = await register()
    rules = config(lock_cooldown=timedelta(0))
    await accounts.set_status(uows(), ada.id, CustomerStatus.LOCKED, ADMIN)
    assert await _refusal(uows, rules, PASSWORD) is CustomerStatus.LOCKED
    async with uows() as uow:
        lock = await uow.logins.lock_of(ada.id)
    assert lock is not None
    assert (lock.automatic, lock.locked_by) == (False, "root@trainyard")


async def test_an_admin_locking_an_automatically_locked_account_makes_the_lock_theirs(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    rules = config(lock_cooldown=timedelta(seconds=1))
    await _fail(uows, rules, 3, "ada@example.com")
    await accounts.set_status(uows(), ada.id, CustomerStatus.LOCKED, ADMIN)
    await asyncio.sleep(1.1)
    assert await _refusal(uows, rules, PASSWORD) is CustomerStatus.LOCKED


# --- item 3: throttles per (account, address), per account, and per address only for volume -------


async def test_failures_for_other_accounts_from_an_address_do_not_stop_a_third_user_there(
    uows: Uows, register: Register
) -> None:
    zoe = await register("zoe@example.com")
    await register("xavier@example.com")
    await register("yann@example.com")
    rules = config(max_failures=50, ip_free_failures=2, ip_base_delay_seconds=60)
    for email in ("xavier@example.com", "yann@example.com"):
        await _fail(uows, rules, 2, email, "203.0.113.5")
        with pytest.raises(sessions.TooManyAttempts):  # that account from that address: slowed down
            await sessions.sign_in(uows(), rules, email, PASSWORD, "203.0.113.5")
    await _fail(uows, rules, 5, "nobody@example.com", "203.0.113.5")  # unknown e-mails too
    issued = await sessions.sign_in(uows(), rules, "zoe@example.com", PASSWORD, "203.0.113.5")
    assert issued.customer_id == zoe.id


async def test_a_guesser_slowed_down_at_one_address_does_not_stop_the_learner_at_another(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    rules = config(max_failures=50, ip_free_failures=2, ip_base_delay_seconds=60)
    await _fail(uows, rules, 2, "ada@example.com", "203.0.113.5")
    with pytest.raises(sessions.TooManyAttempts) as waiting:
        await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, "203.0.113.5")
    assert 0 < waiting.value.retry_after <= 60
    assert (await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, "198.51.100.7")).customer_id == ada.id


async def test_only_a_large_volume_of_failures_slows_down_a_whole_address(uows: Uows, register: Register) -> None:
    ada = await register()
    rules = config(address_max_failures=4, address_window=timedelta(minutes=15))
    await _fail(uows, rules, 3, "nobody@example.com", "203.0.113.9")
    assert (await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, "203.0.113.9")).customer_id == ada.id
    await _fail(uows, rules, 1, "nobody@example.com", "203.0.113.9")  # the fourth failure
    with pytest.raises(sessions.TooManyAttempts) as waiting:
        await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, "203.0.113.9")
    assert 14 * 60 < waiting.value.retry_after <= 15 * 60, "until the oldest failure leaves the window"
    assert (await sessions.sign_in(uows(), rules, "ada@example.com", PASSWORD, "203.0.113.10")).customer_id == ada.id


# --- item 5: the password policy and sessions ending at a password change ------------------------


@pytest.mark.parametrize(("new", "reason"), [("short pw", "at least 12"), (COMMON, "too common")])
async def test_the_learners_own_change_follows_the_password_policy(
    uows: Uows, register: Register, new: str, reason: str
) -> None:
    ada = await register()
    with pytest.raises(WeakPassword) as weak:
        await sessions.change_own_password(uows(), ada.id, PASSWORD, new)
    assert (weak.value.code, weak.value.field_name) == ("weak_password", "new_password")
    assert reason in weak.value.reason
    assert (await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)).customer_id == ada.id


async def test_the_learners_own_change_ends_their_other_sessions_but_keeps_this_one(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    here = await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)
    elsewhere = await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)
    await sessions.change_own_password(
        uows(), ada.id, PASSWORD, "a new passphrase here", keep_session=token_hash(here.token)
    )
    assert await sessions.introspect(uows(), here.token) is not None
    assert await sessions.introspect(uows(), elsewhere.token) is None


async def test_the_learners_own_change_without_a_session_named_ends_them_all(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)
    await sessions.change_own_password(uows(), ada.id, PASSWORD, "a new passphrase here")
    assert await sessions.introspect(uows(), issued.token) is None


async def test_an_admins_password_reset_ends_every_session(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)
    async with uows() as uow:
        new_hash = await uow.passwords.hash_chosen("an admin's new passphrase")
    await accounts.set_password_rules(uows(), ada.id, accounts.PasswordRules(password_hash=new_hash), ADMIN)
    assert await sessions.introspect(uows(), issued.token) is None


async def test_rules_without_a_new_password_end_no_session(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), config(), "ada@example.com", PASSWORD, None)
    await accounts.set_password_rules(uows(), ada.id, accounts.PasswordRules(require_change=True), ADMIN)
    assert await sessions.introspect(uows(), issued.token) is not None
