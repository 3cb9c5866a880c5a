"""Issue 15, item 15 over the gateway's HTTP API: reads of a customer's personal data are audited
with the client's address and user agent, so are changes; an entry that cannot be written leaves
the admin without a successful answer; refused sign-ins are logged."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from support.api import assert_error

from trainyard_common.db.engine import make_engine
from trainyard_common.testing.processes import free_port

pytestmark = pytest.mark.integration

ADDRESS = "127.0.0.1"  # httpx.ASGITransport's client
AGENT = "AuditTest/1.0 (+https://example.test)"
TOKEN = "/api/v1/auth/token"
ADMIN = "/api/v1/admin"
CLIENT = {"name": "Acme", "industry": "Technology"}
SERVICES_AWAY = ("customer_account", "commerce_access", "training_progress")


@pytest.fixture
async def audited(
    new_database: Callable[[str], str], fake_services: Any, first_admin: tuple[str, str], start_gateway: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], str]]:
    """A gateway on its own database (client-directory faked, the other services away: the
    customer page still answers, its sections unavailable), a client sending ``AGENT`` (seen at
    ``ADDRESS``: httpx's in-process transport), the first admin's Authorization header, and the
    database URL."""
    database_url = new_database("gw_audit_http")
    away = {f"{name}_url": f"http://127.0.0.1:{free_port()}" for name in SERVICES_AWAY}
    async with start_gateway(database_url, client_directory_url=fake_services.url, **away) as client:
        client.headers["User-Agent"] = AGENT
        username, password = first_admin
        signed_in = await client.post(TOKEN, json={"username": username, "password": password})
        assert signed_in.status_code == 200, signed_in.text
        yield client, {"Authorization": f"Bearer {signed_in.json()['access_token']}"}, database_url


async def rows(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            return [dict(r._mapping) for r in await connection.execute(text(sql), params)]
    finally:
        await engine.dispose()


async def execute(database_url: str, sql: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def reads_of(database_url: str, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        database_url,
        "SELECT actor, outcome, status_code, client_ip, user_agent FROM audit_log "
        "WHERE action = 'read' AND target = :target ORDER BY at",
        target=f"customer:{customer_id}",
    )


async def test_a_read_of_the_customer_page_leaves_an_entry_with_the_address_and_user_agent(
    audited: tuple[httpx.AsyncClient, dict[str, str], str], first_admin: tuple[str, str]
) -> None:
    gateway, admin, database_url = audited
    customer_id = uuid.uuid4()
    page = await gateway.get(f"{ADMIN}/customers/{customer_id}", headers=admin)
    assert page.status_code == 200, page.text
    assert await reads_of(database_url, customer_id) == [
        {"actor": first_admin[0], "outcome": "success", "status_code": 200, "client_ip": ADDRESS, "user_agent": AGENT}
    ]


@pytest.mark.parametrize("view", ["login-history", "activity-log", "order-history", "export", "transcript", "orders"])
async def test_every_admin_read_below_a_customer_is_audited_whatever_its_answer(
    audited: tuple[httpx.AsyncClient, dict[str, str], str], view: str
) -> None:
    gateway, admin, database_url = audited
    customer_id = uuid.uuid4()
    answer = await gateway.get(f"{ADMIN}/customers/{customer_id}/{view}", headers=admin)
    (entry,) = await reads_of(database_url, customer_id)
    assert entry["status_code"] == answer.status_code
    assert (entry["client_ip"], entry["user_agent"]) == (ADDRESS, AGENT)


async def test_reads_elsewhere_and_unauthenticated_reads_are_not_read_entries(
    audited: tuple[httpx.AsyncClient, dict[str, str], str],
) -> None:
    gateway, admin, database_url = audited
    assert (await gateway.get(f"{ADMIN}/clients", headers=admin)).status_code == 200
    assert (await gateway.get(f"{ADMIN}/customers", headers=admin)).status_code == 503  # a list: not a read entry
    refused = await gateway.get(f"{ADMIN}/customers/{uuid.uuid4()}")
    assert_error(refused, 401, "unauthorized")
    assert await rows(database_url, "SELECT 1 FROM audit_log WHERE action = 'read'") == []


async def test_a_change_records_the_address_and_user_agent(
    audited: tuple[httpx.AsyncClient, dict[str, str], str],
) -> None:
    gateway, admin, database_url = audited
    created = await gateway.post(f"{ADMIN}/clients", json=CLIENT, headers=admin)
    assert created.status_code == 201, created.text
    (entry,) = await rows(
        database_url,
        "SELECT client_ip, user_agent, target FROM audit_log WHERE action = 'POST /api/v1/admin/clients'",
    )
    assert entry == {"client_ip": ADDRESS, "user_agent": AGENT, "target": f"client:{created.json()['id']}"}


@contextlib.asynccontextmanager
async def refusing(database_url: str, condition: str) -> AsyncIterator[None]:
    """audit_log refuses new entries matching ``condition`` (a CHECK) for the block."""
    await execute(
        database_url, f"ALTER TABLE audit_log ADD CONSTRAINT refuse_in_test CHECK (NOT ({condition})) NOT VALID"
    )
    try:
        yield
    finally:
        await execute(database_url, "ALTER TABLE audit_log DROP CONSTRAINT refuse_in_test")


async def test_a_read_whose_entry_cannot_be_written_answers_503_without_the_data(
    audited: tuple[httpx.AsyncClient, dict[str, str], str],
) -> None:
    gateway, admin, database_url = audited
    customer_id = uuid.uuid4()
    async with refusing(database_url, "action = 'read'"):
        refused = await gateway.get(f"{ADMIN}/customers/{customer_id}", headers=admin)
        assert_error(refused, 503, "audit_unavailable")
        assert "profile" not in refused.text
        assert refused.headers["retry-after"]
        assert refused.headers["x-request-id"]
        export = await gateway.get(f"{ADMIN}/customers/{customer_id}/export", headers=admin)
        assert export.status_code == 503
        assert export.headers["content-type"].startswith("application/json")
    assert await reads_of(database_url, customer_id) == []
    assert (await gateway.get(f"{ADMIN}/customers/{customer_id}", headers=admin)).status_code == 200


async def test_a_change_whose_entry_cannot_be_written_does_not_answer_success(
    audited: tuple[httpx.AsyncClient, dict[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    gateway, admin, database_url = audited
    async with refusing(database_url, "action LIKE 'POST %'"):
        refused = await gateway.post(f"{ADMIN}/clients", json=CLIENT, headers=admin)
    error = assert_error(refused, 500, "audit_failed")
    assert "201" in error["message"]  # the admin learns the change may have been made
    logged = capsys.readouterr().out
    assert "audit entry not written" in logged
    assert "POST /api/v1/admin/clients" in logged


async def test_refused_sign_ins_are_logged_with_the_address_and_user_agent(
    audited: tuple[httpx.AsyncClient, dict[str, str], str],
    first_admin: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway, _, _ = audited
    capsys.readouterr()
    wrong = await gateway.post(TOKEN, json={"username": first_admin[0], "password": "not the password at all"})
    assert_error(wrong, 401, "invalid_credentials")
    logged = [line for line in capsys.readouterr().out.splitlines() if "admin sign-in refused" in line]
    assert len(logged) == 1
    assert ADDRESS in logged[0]
    assert "AuditTest/1.0" in logged[0]
    assert "401" in logged[0]
