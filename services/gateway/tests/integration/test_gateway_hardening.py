"""Sign-in throttling, sign-out, audit-log filters and body limits, over a real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from support.api import assert_error, audit_entries

pytestmark = pytest.mark.integration


async def _attempt(gateway: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await gateway.post("/api/v1/auth/token", json={"username": username, "password": password})


async def test_failed_sign_ins_are_throttled_per_username_alike_for_unknown_users(
    new_database: Any, start_gateway: Any, first_admin: tuple[str, str]
) -> None:
    async with start_gateway(new_database("gw_throttle"), sign_in_max_failures_per_username_and_ip=3) as gateway:
        for username in (first_admin[0], f"nobody-{uuid.uuid4().hex[:6]}"):
            for _ in range(3):
                assert_error(await _attempt(gateway, username, "wrong password"), 401, "invalid_credentials")
            refused = await _attempt(gateway, username, "wrong password")
            assert_error(refused, 429, "too_many_attempts")
            assert int(refused.headers["retry-after"]) > 0
        # Even the right password waits out the window from this address (another address signs in:
        # test_gateway_admin_security.py): the attacker learns nothing from it.
        assert_error(await _attempt(gateway, *first_admin), 429, "too_many_attempts")


async def test_failed_sign_ins_are_throttled_per_client_ip(
    new_database: Any, start_gateway: Any, first_admin: tuple[str, str]
) -> None:
    async with start_gateway(new_database("gw_throttle"), sign_in_max_failures_per_ip=4) as gateway:
        for attempt in range(4):
            assert_error(await _attempt(gateway, f"user-{attempt}", "wrong password"), 401, "invalid_credentials")
        assert_error(await _attempt(gateway, "yet-another-user", "wrong password"), 429, "too_many_attempts")
        assert_error(await _attempt(gateway, *first_admin), 429, "too_many_attempts")


async def test_signing_out_revokes_the_token_at_once(
    gateway: httpx.AsyncClient, sign_in: Any, first_admin: Any
) -> None:
    headers = await sign_in(gateway, *first_admin)
    assert (await gateway.get("/api/v1/admin/audit-log", headers=headers)).status_code == 200
    assert (await gateway.delete("/api/v1/auth/token", headers=headers)).status_code == 204
    assert_error(await gateway.get("/api/v1/admin/audit-log", headers=headers), 401, "unauthorized")
    assert_error(await gateway.delete("/api/v1/auth/token", headers=headers), 401, "unauthorized")


async def test_the_audit_log_filters_by_actor_action_target_and_time(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    username = f"filter-{uuid.uuid4().hex[:8]}"
    created = await gateway.post(
        "/api/v1/admin/admins",
        json={"username": username, "password": "a long enough password", "role": "viewer"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    target = f"admin:{username}"
    (entry,) = await audit_entries(gateway, admin, target=target)
    assert (entry["action"], entry["outcome"], entry["status_code"]) == ("POST /api/v1/admin/admins", "success", 201)
    assert await audit_entries(gateway, admin, target=target, action="POST /api/v1/admin/admins", actor=entry["actor"])
    assert await audit_entries(gateway, admin, target=target, **{"from": before.isoformat()})
    assert not await audit_entries(gateway, admin, target=target, to=before.isoformat())
    assert not await audit_entries(gateway, admin, target=target, actor="someone-else")


async def test_the_audit_log_cannot_be_changed_through_the_api(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = await gateway.request(method, "/api/v1/admin/audit-log", headers=admin)
        assert response.status_code == 405, (method, response.status_code)


async def test_an_oversized_json_body_is_a_413_and_changes_nothing(
    new_database: Any, start_gateway: Any, first_admin: tuple[str, str], sign_in: Any
) -> None:
    async with start_gateway(new_database("gw_limits"), max_json_body_bytes=200) as gateway:
        admin = await sign_in(gateway, *first_admin)
        username = f"big-{uuid.uuid4().hex[:8]}"
        body = {"username": username, "password": "x" * 250, "role": "viewer"}
        assert_error(await gateway.post("/api/v1/admin/admins", json=body, headers=admin), 413, "payload_too_large")

        async def chunks() -> Any:  # no Content-Length: counted as it streams in
            yield b'{"username": "' + username.encode() + b'", "password": "'
            yield b"y" * 300
            yield b'", "role": "viewer"}'

        streamed = await gateway.post(
            "/api/v1/admin/admins", content=chunks(), headers={**admin, "Content-Type": "application/json"}
        )
        assert_error(streamed, 413, "payload_too_large")
        attempts = await audit_entries(gateway, admin, action="POST /api/v1/admin/admins")
        assert all(e["outcome"] != "success" for e in attempts)
        assert_error(await _attempt(gateway, username, "any password"), 401, "invalid_credentials")
