"""A minimal service built on the shared runtime, to test the messaging plumbing itself.

Each test gets its own event type (so its own topic and dead-letter topic), its own
database and its own consumer group. The handler records every call in ``probe_effects``
— a deliberately non-idempotent effect, so a double application would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import Field
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from trainyard_common.contracts.base import Event
from trainyard_common.db.engine import async_url
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.messaging.topics import TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.kafka import produce

probe_metadata = MetaData()
probe_effects = Table(
    "probe_effects",
    probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("probe_key", Text, nullable=False),
    Column("n", Integer, nullable=False),
)


class ProbeBase(Event):
    aggregate_field: ClassVar[str] = "probe_key"
    probe_key: str = Field(description="Key of the probe.")
    n: int = Field(description="Sequence number.")
    fail: bool = Field(default=False, description="Handler raises when set.")


def new_probe_type() -> type[ProbeBase]:
    name = f"Probe{uuid.uuid4().hex[:10]}"
    return type(name, (ProbeBase,), {"__annotations__": {"event_type": ClassVar[str]}, "event_type": name})


async def prepare(kafka: str, database_url: str, probe: type[ProbeBase], *, partitions: int = 1) -> None:
    await ensure_topics(
        kafka, [TopicSpec(probe.topic(), partitions=partitions), TopicSpec(f"{probe.topic()}.DLQ", partitions=1)]
    )
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(probe_metadata.create_all)
    await engine.dispose()


Handler = Callable[[Any, SqlUnitOfWork], Awaitable[None]]
BatchHandler = Callable[[Sequence[Delivered[Any]], SqlUnitOfWork], Awaitable[None]]


async def record_effect(event: ProbeBase, uow: SqlUnitOfWork) -> None:
    await uow.session.execute(insert(probe_effects).values(probe_key=event.probe_key, n=event.n))
    if event.fail:
        raise ValueError(f"probe {event.n} asked to fail")


def settings_for(kafka: str, database_url: str, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": kafka,
        "database_url": database_url,
        "environment": "test",
        "consumer_max_attempts": 3,
        "consumer_retry_base_seconds": 0.05,
        "consumer_retry_max_seconds": 0.5,
        "offset_commit_interval_seconds": 0.2,
        "outbox_poll_seconds": 0.1,
        **overrides,
    }
    return ServiceSettings(**values)


@contextlib.asynccontextmanager
async def running_service(
    settings: ServiceSettings,
    probe: type[ProbeBase],
    handler: Handler = record_effect,
    *,
    group: str,
    batch_handler: BatchHandler | None = None,
) -> AsyncIterator[ServiceRuntime[Any]]:
    """The probe service, consuming ``probe`` with ``handler`` (or ``batch_handler`` if given)."""
    runtime = ServiceRuntime(settings, name=group, migrations_dir=None)
    subscriptions = runtime.subscriptions(
        lambda: SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe", after_commit=runtime.relay.nudge)
    )
    if batch_handler is not None:
        subscriptions.batch_handler(probe)(batch_handler)
    else:
        subscriptions.handler(probe)(handler)
    runtime.include(subscriptions)
    app = runtime.http_app(title="probe")
    async with app.router.lifespan_context(app):
        await runtime.wait_until_consuming()
        yield runtime


async def send_probe(kafka: str, event: ProbeBase, *, event_id: str | None = None) -> str:
    envelope = probe_envelope(event, event_id)
    await produce(
        kafka,
        event.topic(),
        event.model_dump_json().encode(),
        key=event.aggregate_id().encode(),
        headers=envelope.to_headers(),
    )
    return envelope.event_id


def probe_envelope(event: ProbeBase, event_id: str | None = None) -> Envelope:
    envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
    return dataclasses.replace(envelope, event_id=event_id) if event_id else envelope


async def send_probes(kafka: str, events: Sequence[tuple[ProbeBase, str]]) -> None:
    """Publish (event, event id) pairs in order with one producer, all in flight at once."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = [
            await producer.send(
                event.topic(),
                value=event.model_dump_json().encode(),
                key=event.aggregate_id().encode(),
                headers=probe_envelope(event, event_id).to_headers(),
            )
            for event, event_id in events
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def effects(runtime: ServiceRuntime[Any], probe_key: str) -> list[int]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(probe_effects.c.n).where(probe_effects.c.probe_key == probe_key).order_by(probe_effects.c.id)
        )
        return [row.n for row in rows]


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.1)


async def count(runtime: ServiceRuntime[Any], table: Table) -> int:
    async with runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


def group() -> str:
    return f"probe-{uuid.uuid4().hex[:8]}"


async def committed_offset(kafka: str, consumer_group: str, topic: str, partition: int = 0) -> int | None:
    group_id = f"{consumer_group}.{topic}"  # one Kafka group per service and topic
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(TopicPartition(topic, partition))
        return offset
    finally:
        await consumer.stop()
