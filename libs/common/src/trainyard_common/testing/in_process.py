"""One service run in-process for its integration tests: its real lifespan (migrations,
consumers, relay), a fresh database, this run's Kafka topics, its HTTP API through an ASGI
transport. Events go in through Kafka with CloudEvents headers, as other services send them;
what it publishes is read back from Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from trainyard_common.contracts.base import Event
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.kafka import Record, produce, produce_together, read_topic
from trainyard_common.testing.service_auth import GatewayStandIn

# Quick polling and few retries: tests wait less and poison messages reach the DLQ sooner.
# Passwords hashed at the tests' cost (passwords/hashing.py).
QUICK_SETTINGS: dict[str, Any] = {
    "environment": "test",
    "password_hash_cost": "tests-only",
    "offset_commit_interval_seconds": 0.2,
    "outbox_poll_seconds": 0.1,
    "consumer_max_attempts": 3,
    "consumer_retry_base_seconds": 0.05,
}


@dataclass
class InProcessService:
    """Base of each service's test harness; subclasses add the service's own steps."""

    runtime: ServiceRuntime[Any]
    http: httpx.AsyncClient
    kafka: str
    topic_prefix: str

    async def send(self, event: Event, *, event_id: str | None = None) -> str:
        """Produce ``event`` on this run's topic; its ``ce_id``."""
        envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
        if event_id is not None:
            envelope = dataclasses.replace(envelope, event_id=event_id)
        await produce(
            self.kafka,
            self.topic_prefix + event.topic(),
            event.model_dump_json().encode(),
            key=event.aggregate_id().encode(),
            headers=envelope.to_headers(),
        )
        return envelope.event_id

    async def send_together(self, *events: Event) -> list[str]:
        """Produce ``events`` (one type) so that they reach the service in one batch (per partition,
        in this order); their ``ce_id``s."""
        envelopes = [Envelope(event_type=e.event_type, source="/tests", subject=e.aggregate_id()) for e in events]
        records = [
            (e.aggregate_id().encode(), e.model_dump_json().encode(), envelope.to_headers())
            for e, envelope in zip(events, envelopes, strict=True)
        ]
        await produce_together(self.kafka, self.topic_prefix + events[0].topic(), records)
        return [envelope.event_id for envelope in envelopes]

    async def handled(self, event_ids: list[str]) -> bool:
        """Whether every one of ``event_ids`` was consumed (claimed, so its effects are committed)."""
        count = await self.scalar("SELECT count(*) FROM processed_events WHERE event_id = ANY(:ids)", ids=event_ids)
        return bool(count == len(set(event_ids)))

    async def published(
        self, event: type[Event], key: uuid.UUID | str, at_least: int = 1, timeout: float = 20
    ) -> list[Record]:
        """The records of ``event`` keyed by ``key`` (usually a customer id), once there are enough."""

        def mine(records: list[Record]) -> list[Record]:
            return [r for r in records if r.key == str(key).encode()]

        topic = self.topic_prefix + event.topic()
        records = await read_topic(self.kafka, topic, until=lambda rs: len(mine(rs)) >= at_least, timeout=timeout)
        return mine(records)

    async def scalar(self, sql: str, **params: Any) -> Any:
        """One value read straight from the service's database (a test looks behind the API)."""
        async with self.runtime.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


H = TypeVar("H", bound=InProcessService)
Bootstrap = Callable[..., tuple[ServiceRuntime[Any], FastAPI]]


@contextlib.asynccontextmanager
async def in_process_service(
    harness: Callable[..., H],
    *,
    bootstrap: Bootstrap,
    settings: Callable[[str], ServiceSettings],
    name: str,
    pg_url: str,
    kafka_bootstrap: str,
    topic_prefix: str,
    **harness_extra: Any,
) -> AsyncIterator[H]:
    """Run the service built by ``bootstrap(settings(database_url))`` until the block ends.

    It gets a consumer group of its own, so no other instance of the service in this run takes
    its partitions.
    """
    database_url = create_database(pg_url, name.replace("-", "_"))
    stopping: asyncio.TimerHandle | None = None
    try:
        runtime, app = bootstrap(settings(database_url), name=f"{name}-{uuid.uuid4().hex[:8]}")
        async with app.router.lifespan_context(app):
            try:
                await runtime.wait_until_consuming()
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                # The test stands in for the gateway: its calls carry the service token.
                auth = GatewayStandIn(runtime.settings.service_keys[0])
                async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}", auth=auth) as client:
                    yield harness(runtime, client, kafka_bootstrap, topic_prefix, **harness_extra)
            finally:
                stopping = asyncio.get_running_loop().call_later(SLOW_STOP_SECONDS, _print_tasks, name)
    finally:
        if stopping is not None:
            stopping.cancel()
        drop_database(database_url)


SLOW_STOP_SECONDS = 60.0
"""A service whose stop takes longer prints what each of its tasks awaits: a stop that hangs
(once, until pytest-timeout's 300 s) then says where, in the test's captured output."""


def _print_tasks(name: str) -> None:
    print(f"{name} has been stopping for {SLOW_STOP_SECONDS:.0f} s; every task:", file=sys.stderr)
    for task in asyncio.all_tasks():
        task.print_stack(file=sys.stderr)


async def wait_for(condition: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it is true; TimeoutError after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.1)
