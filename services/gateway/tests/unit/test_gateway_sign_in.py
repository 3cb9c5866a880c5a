"""Signing in and checking tokens, on fakes (the SQL side is covered by the integration tests)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.domain.admins import Admin, Principal, Role
from gateway.domain.audit import AuditEntry, Outcome
from gateway.domain.tokens import AdminToken
from gateway.service_layer.auth import (
    CreateAdmin,
    InvalidCredentials,
    SignIn,
    UsernameTaken,
    authenticate,
    create_admin,
    ensure_first_admin,
    sign_in,
)

NOW = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)


@dataclass
class FakeAdmins:
    rows: dict[str, Admin] = field(default_factory=dict)

    async def add(self, admin: Admin) -> bool:
        if admin.username in self.rows:
            return False
        self.rows[admin.username] = admin
        return True

    async def by_username(self, username: str) -> Admin | None:
        return self.rows.get(username)


@dataclass
class FakeTokens:
    admins: FakeAdmins
    rows: dict[str, AdminToken] = field(default_factory=dict)

    async def add(self, token: AdminToken) -> None:
        self.rows[token.token_hash] = token

    async def holder(self, token_hash: str) -> tuple[AdminToken, Principal] | None:
        token = self.rows.get(token_hash)
        if token is None:
            return None
        admin = next(a for a in self.admins.rows.values() if a.id == token.admin_id)
        return token, Principal(admin.id, admin.username, admin.role)

    async def delete_expired(self, now: datetime) -> None:
        self.rows = {h: t for h, t in self.rows.items() if t.expires_at >= now}


@dataclass
class FakeAudit:
    entries: list[AuditEntry] = field(default_factory=list)

    async def add(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def count_since(self, *, action: str, outcome: Outcome, since: datetime, **match: str) -> int:
        return sum(
            1
            for e in self.entries
            if (e.action, e.outcome) == (action, outcome)
            and e.at >= since
            and all(getattr(e, column) == value for column, value in match.items())
        )

    async def failures_since_last_success(
        self, *, action: str, since: datetime, limit: int, actor: str, client_ip: str | None = None
    ) -> list[datetime]:
        mine = [
            e
            for e in self.entries
            if (e.action, e.actor) == (action, actor) and e.at >= since and client_ip in (None, e.client_ip)
        ]
        last_success = max((e.at for e in mine if e.outcome is Outcome.SUCCESS), default=since)
        failed = [e.at for e in mine if e.outcome is Outcome.DENIED and e.at >= last_success]
        return sorted(failed, reverse=True)[:limit]


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.admins = FakeAdmins()
        self.tokens = FakeTokens(self.admins)
        self.audit = FakeAudit()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def release(self) -> None:
        pass


class FakePasswords:
    def __init__(self) -> None:
        self.verified: list[tuple[str | None, str]] = []

    def hash(self, password: str) -> str:
        return f"hashed:{password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append((password_hash, password))
        return password_hash == f"hashed:{password}"


@pytest.fixture
def uow() -> Any:
    return FakeUnitOfWork()


@pytest.fixture
def passwords() -> FakePasswords:
    return FakePasswords()


async def an_admin(uow: Any, passwords: FakePasswords, role: Role = Role.ADMIN) -> Admin:
    return await create_admin(uow, CreateAdmin("Ada", "correct horse battery", role), passwords=passwords)


async def test_signing_in_issues_a_token_that_authenticates(uow: Any, passwords: FakePasswords) -> None:
    admin = await an_admin(uow, passwords, Role.VIEWER)
    signed_in = await sign_in(uow, SignIn("ADA", "correct horse battery"), passwords=passwords, ttl_seconds=60, now=NOW)
    assert signed_in.role is Role.VIEWER
    assert signed_in.expires_in == 60
    assert signed_in.access_token not in uow.tokens.rows  # kept hashed only

    principal = await authenticate(uow, signed_in.access_token, now=NOW + timedelta(seconds=59))
    assert principal == Principal(admin.id, "ada", Role.VIEWER)
    assert await authenticate(uow, signed_in.access_token, now=NOW + timedelta(seconds=60)) is None
    assert await authenticate(uow, "made-up", now=NOW) is None
    assert uow.audit.entries[-1].outcome is Outcome.SUCCESS


async def test_a_revoked_token_does_not_authenticate(uow: Any, passwords: FakePasswords) -> None:
    await an_admin(uow, passwords)
    signed_in = await sign_in(uow, SignIn("ada", "correct horse battery"), passwords=passwords, ttl_seconds=60, now=NOW)
    (token_hash,) = uow.tokens.rows
    uow.tokens.rows[token_hash] = replace(uow.tokens.rows[token_hash], revoked_at=NOW)
    assert await authenticate(uow, signed_in.access_token, now=NOW) is None


async def test_unknown_user_and_wrong_password_fail_alike(uow: Any, passwords: FakePasswords) -> None:
    await an_admin(uow, passwords)
    failures = []
    for command in (SignIn("ada", "wrong"), SignIn("nobody", "wrong")):
        with pytest.raises(InvalidCredentials) as failed:
            await sign_in(uow, command, passwords=passwords, ttl_seconds=60, now=NOW)
        failures.append((type(failed.value), str(failed.value)))
    assert failures[0] == failures[1]
    # the unknown user's password is checked too (against no hash), so both take as long
    assert passwords.verified == [("hashed:correct horse battery", "wrong"), (None, "wrong")]
    assert not uow.tokens.rows
    assert [(e.actor, e.outcome) for e in uow.audit.entries] == [("ada", Outcome.DENIED), ("nobody", Outcome.DENIED)]


async def test_a_taken_username_is_refused_case_insensitively(uow: Any, passwords: FakePasswords) -> None:
    await an_admin(uow, passwords)
    with pytest.raises(UsernameTaken):
        await create_admin(uow, CreateAdmin(" ADA ", "another password!", Role.VIEWER), passwords=passwords)


async def test_the_first_admin_is_created_once(uow: Any, passwords: FakePasswords) -> None:
    command = CreateAdmin("root", "first password here", Role.ADMIN)
    assert await ensure_first_admin(uow, command, passwords=passwords)
    assert not await ensure_first_admin(uow, replace(command, password="changed in the env"), passwords=passwords)
    assert uow.admins.rows["root"].password_hash == "hashed:first password here"
    assert [(e.actor, e.action, e.target) for e in uow.audit.entries] == [
        ("system", "create-first-admin", "admin:root")
    ]


def test_fakes_match_the_repositories() -> None:
    """Keep the fakes honest: every repository method the service layer uses exists on them."""
    from gateway.adapters.repository import AdminRepository, AuditRepository, TokenRepository  # noqa: PLC0415

    for real, fake in ((AdminRepository, FakeAdmins), (TokenRepository, FakeTokens), (AuditRepository, FakeAudit)):
        used = {name for name in vars(fake) if not name.startswith("_") and callable(getattr(fake, name))}
        assert used <= set(vars(real)), (real, used - set(vars(real)))
