"""commerce-access run in-process (its real lifespan: migrations, consumer, relay, expiry sweep)
on a fresh database and this run's Kafka topics; events go in through Kafka, answers come out
over HTTP, and what it publishes is read back from Kafka."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from commerce_access.bootstrap import bootstrap
from commerce_access.settings import Settings
from trainyard_common.contracts import Event
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.kafka import Record, produce, read_topic


@dataclass
class Commerce:
    runtime: ServiceRuntime
    http: httpx.AsyncClient
    kafka: str
    topic_prefix: str

    async def send(self, event: Event) -> str:
        envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
        await produce(
            self.kafka,
            self.topic_prefix + event.topic(),
            event.model_dump_json().encode(),
            key=event.aggregate_id().encode(),
            headers=envelope.to_headers(),
        )
        return envelope.event_id

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

    async def published(
        self, event: type[Event], customer_id: uuid.UUID, at_least: int = 1, timeout: float = 20
    ) -> list[Record]:
        def mine(records: list[Record]) -> list[Record]:
            return [r for r in records if r.key == str(customer_id).encode()]

        topic = self.topic_prefix + event.topic()
        return mine(await read_topic(self.kafka, topic, until=lambda rs: len(mine(rs)) >= at_least, timeout=timeout))


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def commerce(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Commerce]:
    database_url = create_database(pg_url, "commerce_access")
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        environment="test",
        offset_commit_interval_seconds=0.2,
        outbox_poll_seconds=0.1,
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.05,
        access_expiry_sweep_seconds=0.3,
    )
    # A consumer group of its own: no other commerce-access of this run takes its partitions.
    runtime, app = bootstrap(settings, name=f"commerce-access-{uuid.uuid4().hex[:8]}")
    try:
        async with app.router.lifespan_context(app):
            await runtime.wait_until_consuming()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://commerce-access") as client:
                yield Commerce(runtime, client, kafka_bootstrap, topic_prefix)
    finally:
        drop_database(database_url)
