"""commerce-access run in-process (its real lifespan: migrations, consumer, relay, expiry sweep)
on a fresh database and this run's Kafka topics; events go in through Kafka, answers come out
over HTTP, and what it publishes is read back from Kafka."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from commerce_access.bootstrap import bootstrap
from commerce_access.settings import Settings
from trainyard_common.testing.in_process import QUICK_SETTINGS, InProcessService, in_process_service, wait_for
from trainyard_common.testing.sealed_events import known_keys


class Commerce(InProcessService):
    async def product(self, access_days: int | None = 365, amount: str = "49.99", **extra: Any) -> dict[str, Any]:
        body = {
            "name": f"Product {uuid.uuid4().hex[:6]}",
            "access_days": access_days,
            "prices": [{"amount": amount, "currency": "USD"}],
            **extra,
        }
        response = await self.http.post("/v1/products", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def buy(self, customer_id: uuid.UUID, price_id: str, quantity: int = 1, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return await self.http.post(
            f"/v1/learners/{customer_id}/orders", json={"price_id": price_id, "quantity": quantity}, headers=headers
        )

    async def wait(self, condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
        await wait_for(condition, timeout)

    async def count(self, table: str, where: str = "true", **params: Any) -> int:
        """Rows of a table (read directly: a test looks behind the API)."""
        async with self.runtime.engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params)).scalar_one())


@pytest.fixture(scope="module")
async def commerce(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Commerce]:
    def settings(database_url: str) -> Settings:
        return Settings(
            kafka_bootstrap=kafka_bootstrap,
            database_url=database_url,
            topic_prefix=topic_prefix,
            access_expiry_sweep_seconds=0.3,
            **QUICK_SETTINGS,
        )

    async with in_process_service(
        Commerce,
        bootstrap=functools.partial(bootstrap, customer_keys=known_keys()),  # no customer-account here
        settings=settings,
        name="commerce-access",
        pg_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
    ) as commerce:
        yield commerce
