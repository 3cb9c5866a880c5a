"""The gateway's auth use cases on its real unit of work and a throwaway database (no Kafka, no
HTTP): sign-in and its throttle, tokens (issue, expiry, revocation), admins, the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from gateway.bootstrap import MIGRATIONS
from gateway.domain.admins import InvalidAdmin, Role
from gateway.domain.audit import SYSTEM_ACTOR, AuditEntry, AuditQuery, Outcome
from gateway.domain.tokens import hash_token
from gateway.service_layer.audit import audit_page, record
from gateway.service_layer.auth import (
    CREATE_FIRST_ADMIN,
    SIGN_IN,
    CreateAdmin,
    InvalidCredentials,
    SignedIn,
    SignIn,
    SignInThrottle,
    TooManyAttempts,
    UsernameTaken,
    authenticate,
    create_admin,
    ensure_first_admin,
    sign_in,
    sign_out,
)
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.domain_errors import Conflicting, InvalidInput
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]
PASSWORD = "a long enough password"
TTL = 900
THROTTLE = SignInThrottle(window_seconds=600, max_failures_per_username=3, max_failures_per_ip=5)


@dataclass
class FakePasswords:
    """Instant hashing; remembers what it hashed."""

    hashed: list[str] = field(default_factory=list)

    def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"hashed:{password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash == f"hashed:{password}"


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gw"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


@pytest.fixture
def passwords() -> FakePasswords:
    return FakePasswords()


async def _admin(uows: Uows, passwords: FakePasswords, username: str = "ada", role: Role = Role.ADMIN) -> None:
    async with uows() as uow:
        await create_admin(uow, CreateAdmin(username, PASSWORD, role), passwords=passwords)


async def _sign_in(
    uows: Uows,
    passwords: FakePasswords,
    username: str = "ada",
    password: str = PASSWORD,
    *,
    ip: str | None = "10.0.0.1",
    now: datetime | None = None,
) -> SignedIn:
    async with uows() as uow:
        return await sign_in(
            uow,
            SignIn(username, password, ip),
            passwords=passwords,
            ttl_seconds=TTL,
            now=now or datetime.now(UTC),
            throttle=THROTTLE,
        )


async def _failures(uows: Uows, passwords: FakePasswords, count: int, *, username: str, ip: str) -> None:
    for _ in range(count):
        with pytest.raises(InvalidCredentials):
            await _sign_in(uows, passwords, username, "wrong password", ip=ip)


async def _holder_role(uows: Uows, token: str, now: datetime) -> Role | None:
    async with uows() as uow:
        principal = await authenticate(uow, token, now=now)
    return principal.role if principal else None


async def test_a_signed_in_admin_gets_a_token_that_authenticates_with_its_role(
    uows: Uows, passwords: FakePasswords
) -> None:
    await _admin(uows, passwords, "vera", Role.VIEWER)
    signed_in = await _sign_in(uows, passwords, "vera")
    assert (signed_in.role, signed_in.expires_in) == (Role.VIEWER, TTL)
    assert await _holder_role(uows, signed_in.access_token, datetime.now(UTC)) is Role.VIEWER


async def test_usernames_are_case_insensitive_at_sign_in(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords, "ada")
    signed_in = await _sign_in(uows, passwords, "  ADA ")
    assert await _holder_role(uows, signed_in.access_token, datetime.now(UTC)) is Role.ADMIN


async def test_a_token_stops_working_when_its_lifetime_ends(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords)
    now = datetime.now(UTC)
    signed_in = await _sign_in(uows, passwords, now=now)
    assert await _holder_role(uows, signed_in.access_token, now + timedelta(seconds=TTL - 1)) is Role.ADMIN
    assert await _holder_role(uows, signed_in.access_token, now + timedelta(seconds=TTL)) is None


async def test_signing_out_revokes_the_token_at_once_and_only_once(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords)
    token = (await _sign_in(uows, passwords)).access_token
    now = datetime.now(UTC)
    async with uows() as uow:
        assert await sign_out(uow, token, now=now) is True
    assert await _holder_role(uows, token, now) is None
    async with uows() as uow:
        assert await sign_out(uow, token, now=now) is False
        assert await sign_out(uow, "never issued", now=now) is False


async def test_signing_in_clears_expired_tokens(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords)
    long_ago = datetime.now(UTC) - timedelta(days=1)
    old = (await _sign_in(uows, passwords, now=long_ago)).access_token
    await _sign_in(uows, passwords)
    async with uows() as uow:
        assert await uow.tokens.holder(hash_token(old)) is None


async def test_an_unknown_username_and_a_wrong_password_fail_alike_and_are_audited_as_denied(
    uows: Uows, passwords: FakePasswords
) -> None:
    await _admin(uows, passwords)
    with pytest.raises(InvalidCredentials):
        await _sign_in(uows, passwords, "nobody")
    with pytest.raises(InvalidCredentials):
        await _sign_in(uows, passwords, "ada", "wrong password")
    async with uows() as uow:
        entries, total = await audit_page(uow, AuditQuery(action=SIGN_IN))
    assert total == 2
    assert {(e.actor, e.outcome, e.status_code, e.client_ip) for e in entries} == {
        ("nobody", Outcome.DENIED, 401, "10.0.0.1"),
        ("ada", Outcome.DENIED, 401, "10.0.0.1"),
    }


async def test_the_throttle_refuses_a_username_from_the_failing_address_only(
    uows: Uows, passwords: FakePasswords
) -> None:
    # Issue 15 item 1: failures from one address no longer keep the admin out from another.
    await _admin(uows, passwords)
    await _failures(uows, passwords, THROTTLE.max_failures_per_username_and_ip, username="ada", ip="10.0.0.2")
    with pytest.raises(TooManyAttempts) as refused:
        await _sign_in(uows, passwords, "ada", ip="10.0.0.2")
    assert 0 < refused.value.retry_after <= THROTTLE.window_seconds
    assert (await _sign_in(uows, passwords, "ada", ip="10.0.0.3")).role is Role.ADMIN  # another address


async def test_the_throttle_counts_failures_from_one_address_across_usernames(
    uows: Uows, passwords: FakePasswords
) -> None:
    await _admin(uows, passwords)
    for name in ("u1", "u2", "u3", "u4", "u5"):
        await _failures(uows, passwords, 1, username=name, ip="10.0.0.9")
    with pytest.raises(TooManyAttempts):
        await _sign_in(uows, passwords, "ada", ip="10.0.0.9")
    assert (await _sign_in(uows, passwords, "ada", ip="10.0.0.10")).role is Role.ADMIN


async def test_the_throttle_forgets_failures_older_than_its_window(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords)
    await _failures(uows, passwords, THROTTLE.max_failures_per_username, username="ada", ip="10.0.0.2")
    later = datetime.now(UTC) + timedelta(seconds=THROTTLE.window_seconds + 1)
    assert (await _sign_in(uows, passwords, now=later)).role is Role.ADMIN


async def test_a_taken_username_is_refused_case_insensitively_as_a_conflict(
    uows: Uows, passwords: FakePasswords
) -> None:
    await _admin(uows, passwords, "grace")
    with pytest.raises(UsernameTaken) as refused:
        await _admin(uows, passwords, "Grace")
    assert isinstance(refused.value, Conflicting)
    assert (refused.value.code, refused.value.field_name) == ("username_taken", "username")


async def test_an_invalid_username_is_refused_before_any_hashing(uows: Uows, passwords: FakePasswords) -> None:
    with pytest.raises(InvalidAdmin) as refused:
        await _admin(uows, passwords, "x")
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.field_name == "username"
    assert passwords.hashed == []


async def test_an_admin_is_stored_with_a_hash_never_the_password(uows: Uows, passwords: FakePasswords) -> None:
    await _admin(uows, passwords, "ada", Role.VIEWER)
    async with uows() as uow:
        stored = await uow.admins.by_username("ada")
    assert stored is not None
    assert (stored.role, stored.password_hash) == (Role.VIEWER, f"hashed:{PASSWORD}")


async def test_the_first_admin_is_created_once_and_audited_as_the_system(uows: Uows, passwords: FakePasswords) -> None:
    command = CreateAdmin("root", PASSWORD, Role.ADMIN)
    for expected in (True, False):
        async with uows() as uow:
            assert await ensure_first_admin(uow, command, passwords=passwords) is expected
    async with uows() as uow:
        entries, total = await audit_page(uow, AuditQuery(action=CREATE_FIRST_ADMIN))
    assert total == 1
    assert (entries[0].actor, entries[0].target, entries[0].outcome) == (SYSTEM_ACTOR, "admin:root", Outcome.SUCCESS)


async def test_the_audit_trail_reads_newest_first_filtered_and_paged(uows: Uows) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    for minute, actor in enumerate(("ada", "grace", "ada", "ada")):
        entry = AuditEntry(
            actor=actor,
            action="POST /api/v1/admin/clients",
            target=f"client:{minute}",
            outcome=Outcome.SUCCESS,
            status_code=201,
            correlation_id=f"req-{minute}",
            at=start + timedelta(minutes=minute),
        )
        async with uows() as uow:
            await record(uow, entry)
    async with uows() as uow:
        page, total = await audit_page(uow, AuditQuery(actor="ada", limit=2))
        since, _ = await audit_page(uow, AuditQuery(since=start + timedelta(minutes=2)))
    assert total == 3
    assert [e.target for e in page] == ["client:3", "client:2"]
    assert [e.target for e in since] == ["client:3", "client:2"]
