"""client-directory run in-process (its real lifespan: migrations, consumer, relay) on a fresh
database and this run's Kafka topics; events go in through Kafka, figures come out over HTTP."""

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

from client_directory.bootstrap import bootstrap
from client_directory.settings import Settings
from trainyard_common.contracts import Event, RegistrationSource, UserRegistered
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.kafka import Record, produce, read_topic


@dataclass
class Directory:
    runtime: ServiceRuntime
    http: httpx.AsyncClient
    kafka: str
    topic_prefix: str

    async def send(self, event: Event, *, event_id: str | None = None) -> str:
        envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
        if event_id is not None:
            envelope = Envelope(event_type=event.event_type, source="/tests", event_id=event_id)
        await produce(
            self.kafka,
            self.topic_prefix + event.topic(),
            event.model_dump_json().encode(),
            key=event.aggregate_id().encode(),
            headers=envelope.to_headers(),
        )
        return envelope.event_id

    async def register(self, email: str, organization: str | None = None) -> uuid.UUID:
        customer_id = uuid.uuid4()
        await self.send(
            UserRegistered(
                customer_id=customer_id,
                email=email,
                first_name="Ada",
                last_name="Lovelace",
                organization=organization,
                source=RegistrationSource.SELF_REGISTRATION,
                registered_at=datetime.now(UTC),
            )
        )
        return customer_id

    async def create_client(self, domains: list[str], aliases: list[str] | None = None, **extra: Any) -> str:
        name = extra.pop("name", f"Client {uuid.uuid4().hex[:8]}")
        body = {"name": name, "industry": "Technology", "email_domains": domains, "aliases": aliases or [], **extra}
        response = await self.http.post("/v1/clients", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def learner(self, customer_id: uuid.UUID) -> dict[str, Any] | None:
        """The learner's row (read directly: a test looks behind the API)."""
        async with self.runtime.engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT * FROM learners WHERE customer_id = :id"), {"id": customer_id})
            ).first()
        return dict(row._mapping) if row else None

    async def wait_learner(
        self, customer_id: uuid.UUID, check: Callable[[dict[str, Any]], bool] = lambda _: True, timeout: float = 30
    ) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        async def ready() -> bool:
            row = await self.learner(customer_id)
            if row is not None and check(row):
                found.append(row)
                return True
            return False

        await wait_for(ready, timeout)
        return found[0]

    async def report(self, **params: Any) -> dict[str, Any]:
        response = await self.http.get("/v1/reports/clients", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def published(self, event: type[Event], customer_id: uuid.UUID, at_least: int = 1) -> list[Record]:
        def mine(records: list[Record]) -> list[Record]:
            return [r for r in records if r.key == str(customer_id).encode()]

        topic = self.topic_prefix + event.topic()
        return mine(await read_topic(self.kafka, topic, until=lambda rs: len(mine(rs)) >= at_least))


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def directory(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Directory]:
    database_url = create_database(pg_url, "client_directory")
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
    # A consumer group of its own: no other client-directory of this run takes its partitions.
    runtime, app = bootstrap(settings, name=f"client-directory-{uuid.uuid4().hex[:8]}")
    try:
        async with app.router.lifespan_context(app):
            await runtime.wait_until_consuming()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://client-directory") as client:
                yield Directory(runtime, client, kafka_bootstrap, topic_prefix)
    finally:
        drop_database(database_url)
