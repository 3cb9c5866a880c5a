"""Assertions on the public API's answers, shared by the gateway's and the end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the api.md error body with this status and code."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], list)
    return error


async def audit_entries(gateway: httpx.AsyncClient, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Entries of the gateway's audit log matching ``params``."""
    response = await gateway.get("/api/v1/admin/audit-log", params={"limit": 500, **params}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
