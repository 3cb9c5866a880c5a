"""Issue 15 on the gateway's use cases, on a throwaway database (no Kafka, no HTTP):
item 1 (throttle per username and address, growing delays per username), item 5 (admin
credentials: change, reset, disable, delete, one password policy), item 6 (the hashing gate)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from gateway.bootstrap import MIGRATIONS
from gateway.domain.admins import Principal, Role, WeakPassword
from gateway.domain.audit import AuditQuery, Outcome
from gateway.domain.sign_in_throttle import SignInThrottle, ThrottleScope
from gateway.domain.tokens import hash_token
from gateway.service_layer.admin_accounts import (
    CHANGE_OWN_PASSWORD,
    AdminNotFound,
    ChangeOwnPassword,
    DeleteAdmin,
    LastAdmin,
    OwnPasswordByReset,
    ResetPassword,
    UpdateAdmin,
    WrongCurrentPassword,
    change_own_password,
    delete_admin,
    reset_password,
    update_admin,
)
from gateway.service_layer.audit import audit_page
from gateway.service_layer.auth import (
    CreateAdmin,
    InvalidCredentials,
    SignedIn,
    SignIn,
    TooManyAttempts,
    authenticate,
    create_admin,
    ensure_first_admin,
    sign_in,
)
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.passwords.gate import HashingBusy, HashingGate
from trainyard_common.passwords.metrics import SIGN_IN_THROTTLED
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]
PASSWORD = "a long enough password"
NEW_PASSWORD = "another long passphrase"
THROTTLE = SignInThrottle(
    window_seconds=600,
    max_failures_per_username=5,
    max_failures_per_username_and_ip=5,
    max_failures_per_ip=100,
    delay_base_seconds=0.5,
    delay_max_seconds=4.0,
)
A, B = "203.0.113.1", "198.51.100.7"


@dataclass
class FakePasswords:
    def hash(self, password: str) -> str:
        return f"hashed:{password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash == f"hashed:{password}"


@dataclass
class Sleeps:
    """Records the delays a sign-in asked for instead of waiting them."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gw"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


passwords = FakePasswords()


async def _admin(uows: Uows, username: str = "ada", role: Role = Role.ADMIN) -> Principal:
    async with uows() as uow:
        admin = await create_admin(uow, CreateAdmin(username, PASSWORD, role), passwords=passwords)
    return Principal(admin_id=admin.id, username=admin.username, role=admin.role)


async def _sign_in(
    uows: Uows,
    username: str = "ada",
    password: str = PASSWORD,
    ip: str = A,
    *,
    sleeps: Sleeps | None = None,
    gate: HashingGate | None = None,
) -> SignedIn:
    async with uows() as uow:
        return await sign_in(
            uow,
            SignIn(username, password, ip),
            passwords=passwords,
            ttl_seconds=900,
            now=datetime.now(UTC),
            throttle=THROTTLE,
            sleep=sleeps or Sleeps(),
            gate=gate,
        )


async def _fail(uows: Uows, times: int, *, username: str = "ada", ip: str = A) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            await _sign_in(uows, username, "wrong password", ip)


async def _works(uows: Uows, token: str) -> bool:
    async with uows() as uow:
        return await authenticate(uow, token, now=datetime.now(UTC)) is not None


def _throttled(scope: ThrottleScope) -> float:
    return SIGN_IN_THROTTLED.labels(who="admin", scope=scope.value)._value.get()


# ---- item 1: nobody locks an admin out at will ------------------------------------------------


async def test_five_failures_from_one_address_leave_the_admin_free_to_sign_in_from_another(uows: Uows) -> None:
    await _admin(uows)
    await _fail(uows, 5, ip=A)
    pairs_before = _throttled(ThrottleScope.USERNAME_AND_ADDRESS)
    with pytest.raises(TooManyAttempts) as refused:
        await _sign_in(uows, ip=A)  # the right password, from the failing address: that pair waits
    assert refused.value.scope is ThrottleScope.USERNAME_AND_ADDRESS
    assert 0 < refused.value.retry_after <= THROTTLE.window_seconds
    assert _throttled(ThrottleScope.USERNAME_AND_ADDRESS) == pairs_before + 1
    sleeps = Sleeps()
    signed_in = await _sign_in(uows, ip=B, sleeps=sleeps)  # the right password from elsewhere
    assert signed_in.role is Role.ADMIN
    assert sleeps.seconds == [THROTTLE.delay_base_seconds]  # after a short delay, not a block


async def test_failures_per_username_grow_the_delay_up_to_its_cap_and_a_success_resets_it(uows: Uows) -> None:
    await _admin(uows)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # 12 failures, 4 per address: no pair blocked
        await _fail(uows, 4, ip=address)
    delays = Sleeps()
    delayed_before = _throttled(ThrottleScope.USERNAME)
    with pytest.raises(InvalidCredentials):
        await _sign_in(uows, password="still wrong", ip="10.0.0.4", sleeps=delays)
    assert delays.seconds == [THROTTLE.delay_max_seconds]  # 0.5 * 2**7, capped
    assert _throttled(ThrottleScope.USERNAME) == delayed_before + 1
    await _sign_in(uows, ip="10.0.0.5")
    after_success = Sleeps()
    await _sign_in(uows, ip="10.0.0.5", sleeps=after_success)
    assert after_success.seconds == []


async def test_the_pattern_is_logged_without_the_password(uows: Uows, capsys: pytest.CaptureFixture[str]) -> None:
    await _admin(uows)
    await _fail(uows, 5, ip=A)
    with pytest.raises(TooManyAttempts):
        await _sign_in(uows, password="the-secret-guess-123", ip=A)
    logged = capsys.readouterr().out
    assert "admin sign-in throttled" in logged
    assert A in logged
    assert '"username": "ada"' in logged or "'username': 'ada'" in logged or "username=ada" in logged
    assert "the-secret-guess-123" not in logged
    assert "wrong password" not in logged


# ---- item 5: credentials that can be rotated --------------------------------------------------


async def test_changing_ones_own_password_ends_the_other_tokens_and_is_audited(uows: Uows) -> None:
    ada = await _admin(uows)
    kept, other = (await _sign_in(uows)).access_token, (await _sign_in(uows, ip=B)).access_token
    async with uows() as uow:
        await change_own_password(
            uow,
            ChangeOwnPassword(ada.admin_id, PASSWORD, NEW_PASSWORD, hash_token(kept), client_ip=A),
            passwords=passwords,
            now=datetime.now(UTC),
        )
    assert await _works(uows, kept)
    assert not await _works(uows, other)
    with pytest.raises(InvalidCredentials):
        await _sign_in(uows, ip="10.9.9.9")
    assert (await _sign_in(uows, password=NEW_PASSWORD)).role is Role.ADMIN
    async with uows() as uow:
        entries, _ = await audit_page(uow, AuditQuery(action=CHANGE_OWN_PASSWORD))
    assert [(e.actor, e.target, e.outcome, e.client_ip) for e in entries] == [("ada", "admin:ada", Outcome.SUCCESS, A)]


async def test_a_wrong_current_or_a_weak_new_password_changes_nothing(uows: Uows) -> None:
    ada = await _admin(uows)
    token = (await _sign_in(uows)).access_token
    for current, new, refusal in (
        ("not my password", NEW_PASSWORD, WrongCurrentPassword),
        (PASSWORD, "short", WeakPassword),
        (PASSWORD, "Password1234", WeakPassword),  # on the common list, whatever the case
    ):
        with pytest.raises(refusal):
            async with uows() as uow:
                await change_own_password(
                    uow,
                    ChangeOwnPassword(ada.admin_id, current, new, hash_token(token)),
                    passwords=passwords,
                    now=datetime.now(UTC),
                )
    assert (await _sign_in(uows)).role is Role.ADMIN
    async with uows() as uow:
        entries, _ = await audit_page(uow, AuditQuery(action=CHANGE_OWN_PASSWORD))
    assert [e.outcome for e in entries] == [Outcome.DENIED]


async def test_an_admins_reset_ends_every_token_of_that_admin(uows: Uows) -> None:
    boss, _ = await _admin(uows, "boss"), await _admin(uows, "grace")
    token = (await _sign_in(uows, "grace")).access_token
    with pytest.raises(WeakPassword):
        async with uows() as uow:
            await reset_password(uow, ResetPassword(boss, "grace", "qwertyuiop12"), passwords=passwords, now=_now())
    assert await _works(uows, token)
    async with uows() as uow:
        await reset_password(uow, ResetPassword(boss, "Grace", NEW_PASSWORD), passwords=passwords, now=_now())
    assert not await _works(uows, token)
    assert (await _sign_in(uows, "grace", NEW_PASSWORD)).role is Role.ADMIN
    with pytest.raises(OwnPasswordByReset):
        async with uows() as uow:
            await reset_password(uow, ResetPassword(boss, "boss", NEW_PASSWORD), passwords=passwords, now=_now())
    with pytest.raises(AdminNotFound):
        async with uows() as uow:
            await reset_password(uow, ResetPassword(boss, "nobody", NEW_PASSWORD), passwords=passwords, now=_now())


async def test_a_disabled_admin_loses_its_tokens_and_cannot_sign_in_until_enabled(uows: Uows) -> None:
    boss, _ = await _admin(uows, "boss"), await _admin(uows, "grace")
    token = (await _sign_in(uows, "grace")).access_token
    async with uows() as uow:
        disabled = await update_admin(uow, UpdateAdmin(boss, "grace", active=False), now=_now())
    assert not disabled.active
    assert not await _works(uows, token)
    with pytest.raises(InvalidCredentials):  # the right password answers like a wrong one
        await _sign_in(uows, "grace", ip=B)
    async with uows() as uow:
        await update_admin(uow, UpdateAdmin(boss, "grace", active=True), now=_now())
    assert (await _sign_in(uows, "grace", ip="10.1.1.1")).role is Role.ADMIN


async def test_the_last_active_admin_can_be_neither_disabled_demoted_nor_deleted(uows: Uows) -> None:
    boss = await _admin(uows, "boss")
    viewer = await _admin(uows, "vera", Role.VIEWER)
    for change in (UpdateAdmin(boss, "boss", active=False), UpdateAdmin(boss, "boss", role=Role.VIEWER)):
        with pytest.raises(LastAdmin):
            async with uows() as uow:
                await update_admin(uow, change, now=_now())
    with pytest.raises(LastAdmin):
        async with uows() as uow:
            await delete_admin(uow, DeleteAdmin(boss, "boss"))
    token = (await _sign_in(uows, "vera")).access_token
    async with uows() as uow:
        await delete_admin(uow, DeleteAdmin(boss, viewer.username))
    assert not await _works(uows, token)
    async with uows() as uow:
        assert await uow.admins.by_username("vera") is None
    await _admin(uows, "grace")
    async with uows() as uow:
        await delete_admin(uow, DeleteAdmin(boss, "boss"))  # another active admin remains


async def test_one_policy_for_created_admins_and_the_first_admin(uows: Uows) -> None:
    with pytest.raises(WeakPassword):
        async with uows() as uow:
            await create_admin(uow, CreateAdmin("grace", "password1234", Role.ADMIN), passwords=passwords)
    async with uows() as uow:
        created = await ensure_first_admin(uow, CreateAdmin("root", "change-me", Role.ADMIN), passwords=passwords)
    assert created is False
    async with uows() as uow:
        assert await uow.admins.by_username("root") is None
        assert await uow.admins.by_username("grace") is None


# ---- item 6: hashes bounded by a gate sized from memory ----------------------------------------


async def test_a_sign_in_with_every_hashing_slot_taken_is_refused_as_busy(uows: Uows) -> None:
    await _admin(uows)
    gate = HashingGate(1, wait_seconds=0.05, retry_after_seconds=2)
    async with gate.slot():
        with pytest.raises(HashingBusy) as busy:
            await _sign_in(uows, gate=gate)
    assert busy.value.retry_after_seconds == 2
    assert (await _sign_in(uows, gate=gate)).role is Role.ADMIN


def _now() -> datetime:
    return datetime.now(UTC)
