"""Issue 15 over the gateway's HTTP API (items 1, 5 and 6): failures from one address leave the
admin free from another; admin credentials rotate; a full hashing gate answers 503."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import generate_latest
from support.api import assert_error

from gateway.bootstrap import bootstrap
from gateway.entrypoints.auth_http import GATE_STATE
from gateway.settings import Settings
from trainyard_common.passwords.gate import HashingGate
from trainyard_common.testing.processes import free_port

pytestmark = pytest.mark.integration

TOKEN = "/api/v1/auth/token"
A, B = "203.0.113.1", "198.51.100.7"


@pytest.fixture
def gateway_app(first_admin: tuple[str, str]) -> Any:
    """``async with gateway_app(database_url) as app``: the gateway app in-process, lifespan included."""

    @contextlib.asynccontextmanager
    async def start(database_url: str) -> AsyncIterator[Any]:
        settings = Settings(
            environment="test",
            database_url=database_url,
            kafka_bootstrap=f"127.0.0.1:{free_port()}",  # no broker: the gateway needs none
            admin_username=first_admin[0],
            admin_password=first_admin[1],
            sign_in_delay_base_seconds=0.05,
        )
        _, app = bootstrap(settings)
        async with app.router.lifespan_context(app):
            yield app

    return start


def client(app: Any, address: str) -> httpx.AsyncClient:
    """A client the gateway sees as coming from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


async def test_five_failures_from_one_address_do_not_keep_the_admin_out_from_another(
    new_database: Any, first_admin: tuple[str, str], gateway_app: Any
) -> None:
    username, password = first_admin
    async with gateway_app(new_database("gw_lockout")) as app, client(app, A) as from_a, client(app, B) as from_b:
        for _ in range(5):
            wrong = await from_a.post(TOKEN, json={"username": username, "password": "wrong password"})
            assert_error(wrong, 401, "invalid_credentials")
        refused = await from_a.post(TOKEN, json={"username": username, "password": password})
        assert_error(refused, 429, "too_many_attempts")
        assert int(refused.headers["retry-after"]) > 0
        signed_in = await from_b.post(TOKEN, json={"username": username, "password": password})
        assert signed_in.status_code == 200, signed_in.text
        metrics = generate_latest().decode()  # /metrics, as the separate metrics port serves it
        assert 'trainyard_sign_in_throttled_total{scope="username_address",who="admin"}' in metrics


async def test_a_sign_in_with_every_hashing_slot_held_answers_503_with_retry_after(
    new_database: Any, first_admin: tuple[str, str], gateway_app: Any
) -> None:
    username, password = first_admin
    async with gateway_app(new_database("gw_gate")) as app, client(app, A) as gateway:
        gate = HashingGate(1, wait_seconds=0.05, retry_after_seconds=3)
        setattr(app.state, GATE_STATE, gate)
        async with gate.slot():
            busy = await gateway.post(TOKEN, json={"username": username, "password": password})
        assert_error(busy, 503, "busy")
        assert busy.headers["retry-after"] == "3"
        assert (await gateway.post(TOKEN, json={"username": username, "password": password})).status_code == 200


async def test_admin_credentials_rotate_through_the_api(
    new_database: Any, first_admin: tuple[str, str], gateway_app: Any
) -> None:
    root, root_password = first_admin
    grace, grace_password, new_password = (
        f"grace-{uuid.uuid4().hex[:6]}",
        "grace's first passphrase",
        "a new passphrase",
    )
    async with gateway_app(new_database("gw_rotate")) as app, client(app, A) as gw:

        async def token(username: str, password: str) -> dict[str, str]:
            answer = await gw.post(TOKEN, json={"username": username, "password": password})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        boss = await token(root, root_password)
        weak = await gw.post(
            "/api/v1/admin/admins", headers=boss, json={"username": grace, "password": "password1234", "role": "admin"}
        )
        assert_error(weak, 422, "weak_password")
        created = await gw.post(
            "/api/v1/admin/admins", headers=boss, json={"username": grace, "password": grace_password, "role": "admin"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["active"] is True

        # Self-service change: the other token ends, this one stays.
        first, second = await token(grace, grace_password), await token(grace, grace_password)
        change = {"current_password": grace_password, "new_password": new_password}
        assert (await gw.put("/api/v1/auth/password", headers=first, json=change)).status_code == 204
        assert (await gw.get("/api/v1/admin/audit-log", headers=first)).status_code == 200
        assert_error(await gw.get("/api/v1/admin/audit-log", headers=second), 401, "unauthorized")
        wrong = await gw.put("/api/v1/auth/password", headers=first, json=change)  # the old one is no longer current
        assert_error(wrong, 422, "wrong_password")

        # Reset by another admin: every token of grace ends.
        reset = await gw.put(f"/api/v1/admin/admins/{grace}/password", headers=boss, json={"password": grace_password})
        assert reset.status_code == 204, reset.text
        assert_error(await gw.get("/api/v1/admin/audit-log", headers=first), 401, "unauthorized")

        # Disable: tokens end and the right password answers like a wrong one; enable again.
        held = await token(grace, grace_password)
        disabled = await gw.patch(f"/api/v1/admin/admins/{grace}", headers=boss, json={"active": False})
        assert disabled.status_code == 200
        assert disabled.json()["active"] is False
        assert_error(await gw.get("/api/v1/admin/audit-log", headers=held), 401, "unauthorized")
        denied = await gw.post(TOKEN, json={"username": grace, "password": grace_password})
        assert_error(denied, 401, "invalid_credentials")
        assert (await gw.patch(f"/api/v1/admin/admins/{grace}", headers=boss, json={"active": True})).status_code == 200

        # Delete; the audit log names each change and its target.
        held = await token(grace, grace_password)
        assert (await gw.delete(f"/api/v1/admin/admins/{grace}", headers=boss)).status_code == 204
        assert_error(await gw.get("/api/v1/admin/audit-log", headers=held), 401, "unauthorized")
        assert_error(await gw.delete(f"/api/v1/admin/admins/{grace}", headers=boss), 404, "not_found")
        last = await gw.delete(f"/api/v1/admin/admins/{root}", headers=boss)
        assert_error(last, 409, "last_admin")
        log = (await gw.get("/api/v1/admin/audit-log", headers=boss, params={"target": f"admin:{grace}"})).json()
        actions = {(e["actor"], e["action"], e["outcome"]) for e in log["items"]}
        assert {
            (grace, "password-change", "success"),
            (root, "PUT /api/v1/admin/admins/{username}/password", "success"),
            (root, "PATCH /api/v1/admin/admins/{username}", "success"),
            (root, "DELETE /api/v1/admin/admins/{username}", "success"),
        } <= actions
