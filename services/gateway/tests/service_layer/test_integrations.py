"""LMS integrations' use cases on the gateway's real unit of work and a throwaway database (no
Kafka, no HTTP): create (secret once, hashed), list, the client credentials grant (one answer for
every failure), token checks, immediate revocation, and the audit actor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from gateway.bootstrap import MIGRATIONS
from gateway.domain.admins import Role
from gateway.domain.audit import AuditQuery, Outcome
from gateway.domain.integrations import InvalidIntegration, Scope
from gateway.domain.tokens import hash_token
from gateway.service_layer.audit import audit_page
from gateway.service_layer.auth import SIGN_IN, SignInThrottle, TooManyAttempts
from gateway.service_layer.integrations import (
    ClientCredentials,
    CreateIntegration,
    IntegrationNameTaken,
    IntegrationNotFound,
    InvalidClient,
    InvalidScope,
    authenticate_integration,
    create_integration,
    issue_client_token,
    list_integrations,
    revoke_integration,
)
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]
TTL = 900


@dataclass
class FakePasswords:
    hashed: list[str] = field(default_factory=list)
    verified: list[str | None] = field(default_factory=list)

    def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"hashed:{password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash)
        return password_hash == f"hashed:{password}"


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("gwint"), GatewayUnitOfWork, MIGRATIONS) as factory:
        yield factory


@pytest.fixture
def passwords() -> FakePasswords:
    return FakePasswords()


async def _create(uows: Uows, passwords: FakePasswords, name: str = "moodle", scopes: list[str] | None = None):  # type: ignore[no-untyped-def]
    async with uows() as uow:
        return await create_integration(
            uow,
            CreateIntegration(name, scopes or ["clients:assign", "customers:read"], created_by="ada"),
            passwords=passwords,
        )


async def _token(uows: Uows, passwords: FakePasswords, client_id: str, secret: str, **more: object):  # type: ignore[no-untyped-def]
    async with uows() as uow:
        return await issue_client_token(
            uow,
            ClientCredentials(client_id, secret, client_ip="10.0.0.1", **more),  # type: ignore[arg-type]
            passwords=passwords,
            ttl_seconds=TTL,
            now=datetime.now(UTC),
        )


async def test_created_secret_is_returned_once_and_stored_hashed(uows: Uows, passwords: FakePasswords) -> None:
    created = await _create(uows, passwords)
    assert created.integration.secret_hash == f"hashed:{created.client_secret}"
    assert created.integration.scopes == {Scope.CLIENTS_ASSIGN, Scope.CUSTOMERS_READ}
    async with uows() as uow:
        [listed] = await list_integrations(uow)
    assert listed.client_id == created.integration.client_id
    assert listed.secret_hash != created.client_secret
    assert listed.created_by == "ada"


async def test_names_are_unique_among_active_integrations(uows: Uows, passwords: FakePasswords) -> None:
    first = await _create(uows, passwords)
    with pytest.raises(IntegrationNameTaken):
        await _create(uows, passwords)
    async with uows() as uow:
        await revoke_integration(uow, first.integration.client_id, now=datetime.now(UTC))
    await _create(uows, passwords)  # the name is free again once revoked
    with pytest.raises(InvalidIntegration):
        await _create(uows, passwords, name="other", scopes=["everything"])


async def test_a_token_carries_the_scopes_and_acts_as_the_integration(uows: Uows, passwords: FakePasswords) -> None:
    created = await _create(uows, passwords)
    issued = await _token(uows, passwords, created.integration.client_id, created.client_secret)
    assert issued.expires_in == TTL
    assert issued.scope == "clients:assign customers:read"
    async with uows() as uow:
        principal = await authenticate_integration(uow, hash_token(issued.access_token), now=datetime.now(UTC))
        later = await authenticate_integration(
            uow, hash_token(issued.access_token), now=datetime.now(UTC) + timedelta(seconds=TTL + 1)
        )
    assert principal is not None
    assert principal.integration == "moodle"
    assert principal.username == "integration:moodle"
    assert principal.role is Role.ADMIN
    assert principal.scopes == {"clients:assign", "customers:read"}
    assert later is None  # expired

    narrowed = await _token(
        uows, passwords, created.integration.client_id, created.client_secret, scope="customers:read"
    )
    assert narrowed.scope == "customers:read"
    with pytest.raises(InvalidScope):
        await _token(uows, passwords, created.integration.client_id, created.client_secret, scope="progress:write")


async def test_every_failure_is_the_same_and_verifies_a_hash(uows: Uows, passwords: FakePasswords) -> None:
    created = await _create(uows, passwords)
    client_id = created.integration.client_id
    with pytest.raises(InvalidClient):
        await _token(uows, passwords, client_id, "wrong secret")
    with pytest.raises(InvalidClient):
        await _token(uows, passwords, "int_unknown", created.client_secret)
    async with uows() as uow:
        await revoke_integration(uow, client_id, now=datetime.now(UTC))
    with pytest.raises(InvalidClient):
        await _token(uows, passwords, client_id, created.client_secret)
    # the hash was checked every time (against no hash, i.e. the decoy, for unknown and revoked)
    assert passwords.verified == [created.integration.secret_hash, None, None]
    async with uows() as uow:
        entries, _ = await audit_page(uow, AuditQuery(action=SIGN_IN))
    assert {(e.actor, e.outcome) for e in entries} == {
        (f"integration-client:{client_id}", Outcome.DENIED),
        ("integration-client:int_unknown", Outcome.DENIED),
    }


async def test_revocation_ends_its_tokens_at_once(uows: Uows, passwords: FakePasswords) -> None:
    created = await _create(uows, passwords)
    issued = await _token(uows, passwords, created.integration.client_id, created.client_secret)
    async with uows() as uow:
        await revoke_integration(uow, created.integration.client_id, now=datetime.now(UTC))
    async with uows() as uow:
        assert await authenticate_integration(uow, hash_token(issued.access_token), now=datetime.now(UTC)) is None
        assert await list_integrations(uow) == []
        with pytest.raises(IntegrationNotFound):
            await revoke_integration(uow, created.integration.client_id, now=datetime.now(UTC))


async def test_failed_grants_are_throttled_like_sign_ins(uows: Uows, passwords: FakePasswords) -> None:
    created = await _create(uows, passwords)
    throttle = SignInThrottle(window_seconds=600, max_failures_per_username=3, max_failures_per_ip=2)
    for _ in range(2):
        with pytest.raises(InvalidClient):
            await _token(uows, passwords, created.integration.client_id, "wrong")
    async with uows() as uow:
        with pytest.raises(TooManyAttempts):
            await issue_client_token(
                uow,
                ClientCredentials(created.integration.client_id, created.client_secret, client_ip="10.0.0.1"),
                passwords=passwords,
                ttl_seconds=TTL,
                now=datetime.now(UTC),
                throttle=throttle,
            )
