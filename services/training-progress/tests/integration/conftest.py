"""training-progress run in-process (its real lifespan: migrations, consumers, relay) on a fresh
database and this run's Kafka topics; other services' events go in through Kafka, with CloudEvents
headers, as those services send them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from training_progress.bootstrap import bootstrap
from training_progress.settings import Settings
from trainyard_common.contracts import Event, RegistrationSource, UserRegistered
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.kafka import Record, produce, read_topic


@dataclass
class Training:
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

    async def register(self, email: str | None = None, first_name: str = "Ada") -> tuple[uuid.UUID, str]:
        """A customer registered in customer-account, known here once the event is consumed."""
        customer_id = uuid.uuid4()
        email = email or f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        await self.send(
            UserRegistered(
                customer_id=customer_id,
                email=email,
                first_name=first_name,
                last_name="Lovelace",
                source=RegistrationSource.SELF_REGISTRATION,
                registered_at=datetime.now(UTC),
            )
        )
        await wait_for(lambda: self.scalar("SELECT count(*) FROM customers WHERE customer_id = :id", id=customer_id))
        return customer_id, email

    async def scalar(self, sql: str, **params: Any) -> Any:
        """A look behind the API (tests only)."""
        async with self.runtime.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def create(self, path: str, **body: Any) -> dict[str, Any]:
        body.setdefault("name", f"Item {uuid.uuid4().hex[:8]}")
        response = await self.http.post(path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def module(self, **body: Any) -> str:
        return str((await self.create("/v1/modules", **body))["id"])

    async def course(self, module_ids: list[str], **body: Any) -> str:
        return str((await self.create("/v1/courses", module_ids=module_ids, **body))["id"])

    async def certification(self, course_ids: list[str], **body: Any) -> str:
        return str((await self.create("/v1/certifications", course_ids=course_ids, **body))["id"])

    async def learner(self, customer_id: uuid.UUID, item_type: str, item_id: str, status: str, **extra: Any) -> Any:
        response = await self.http.post(
            f"/v1/learners/{customer_id}/progress",
            json={"item_type": item_type, "item_id": item_id, "status": status, **extra},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def entries(self, item_type: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/training-progress", params={"type": item_type, "limit": 500, **params})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def entry(self, customer_id: uuid.UUID, item_id: str) -> dict[str, Any] | None:
        for item_type in ("module", "course", "certification"):
            for row in await self.entries(item_type):
                if row["customer_id"] == str(customer_id) and row["item_id"] == item_id:
                    return row
        return None

    async def published(self, event: type[Event], customer_id: uuid.UUID, at_least: int = 1) -> list[Record]:
        def mine(records: list[Record]) -> list[Record]:
            return [r for r in records if r.key == str(customer_id).encode()]

        topic = self.topic_prefix + event.topic()
        return mine(await read_topic(self.kafka, topic, until=lambda rs: len(mine(rs)) >= at_least))


async def wait_for(condition: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def training(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Training]:
    database_url = create_database(pg_url, "training_progress")
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        environment="test",
        offset_commit_interval_seconds=0.2,
        outbox_poll_seconds=0.1,
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.05,
    )
    # A consumer group of its own: no other training-progress of this run takes its partitions.
    runtime, app = bootstrap(settings, name=f"training-progress-{uuid.uuid4().hex[:8]}")
    try:
        async with app.router.lifespan_context(app):
            await runtime.wait_until_consuming()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://training-progress") as client:
                yield Training(runtime, client, kafka_bootstrap, topic_prefix)
    finally:
        drop_database(database_url)
