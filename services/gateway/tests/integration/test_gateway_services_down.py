"""When a service behind the gateway is down, callers get a 503 with the error body, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from trainyard_common.testing.processes import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def lonely_gateway(database_url: str, start_gateway: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose services all point at closed ports."""
    urls = {
        f"{name}_url": f"http://127.0.0.1:{free_port()}"
        for name in ("client_directory", "customer_account", "commerce_access", "training_progress")
    }
    async with start_gateway(database_url, **urls) as client:
        yield client


async def test_registration_while_customer_account_is_down_is_a_503(lonely_gateway: httpx.AsyncClient) -> None:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "password": "correct horse"}
    response = await lonely_gateway.post("/api/v1/learner/register", json=body, headers={"X-Request-ID": "down-1"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.headers["x-request-id"] == "down-1"


async def test_admin_reads_and_writes_while_client_directory_is_down_are_503s(
    lonely_gateway: httpx.AsyncClient, sign_in: Any, first_admin: tuple[str, str]
) -> None:
    admin = await sign_in(lonely_gateway, *first_admin)
    for method, path, body in [
        ("GET", "/api/v1/admin/industries", None),
        ("GET", "/api/v1/admin/clients", None),
        ("POST", "/api/v1/admin/clients", {"name": "Acme", "industry": "Technology"}),
    ]:
        response = await lonely_gateway.request(method, path, json=body, headers=admin)
        assert response.status_code == 503, (method, path, response.text)
        assert response.json()["error"]["code"] == "service_unavailable"

    log = (await lonely_gateway.get("/api/v1/admin/audit-log", headers=admin)).json()["items"]
    assert any(e["action"] == "POST /api/v1/admin/clients" and e["outcome"] == "failed" for e in log)
