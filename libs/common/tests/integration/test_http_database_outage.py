"""A service whose database goes away answers 503 with the error body, and recovers by itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from trainyard_common.http.service_auth import DEVELOPMENT_KEY
from trainyard_common.projections.customers import customer_projection_metadata, router
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.databases import set_connections_allowed
from trainyard_common.testing.service_auth import GatewayStandIn

pytestmark = pytest.mark.integration


async def test_database_outage_is_a_503_then_heals(new_database: Callable[[str], str]) -> None:
    database_url = new_database("outage")
    settings = ServiceSettings(database_url=database_url, kafka_bootstrap="127.0.0.1:1")
    runtime = ServiceRuntime(settings, name="outage", migrations_dir=None)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(customer_projection_metadata.create_all)
    app = runtime.assemble(title="t", routers=[router])
    path = f"/v1/customers/{uuid.uuid4()}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service", auth=GatewayStandIn(DEVELOPMENT_KEY)
    ) as client:
        assert (await client.get(path)).status_code == 404  # the pool holds a live connection now
        set_connections_allowed(database_url, allowed=False)
        try:
            during = await client.get(path)
        finally:
            set_connections_allowed(database_url, allowed=True)
        after = await client.get(path)
    await runtime.engine.dispose()

    assert during.status_code == 503
    assert during.json()["error"]["code"] == "service_unavailable"
    assert after.status_code == 404
