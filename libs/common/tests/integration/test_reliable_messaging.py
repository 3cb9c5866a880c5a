"""A minimal service built on the shared runtime, to test the messaging plumbing itself.

Each test gets its own event type (so its own topic and dead-letter topic), its own
database and its own consumer group. The handler records every call in ``probe_effects``
— a deliberately non-idempotent effect, so a double application would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import Field
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from trainyard_common.contracts.base import Event
from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.engine import async_url
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.dead_letters import read_dead_letters, replay_dead_letters
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.producer import make_producer
from trainyard_common.messaging.tables import messaging_metadata, outbox
from trainyard_common.messaging.topics import TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.databases import set_connections_allowed
from trainyard_common.testing.kafka import header, produce, read_topic

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


async def prepare(kafka: str, database_url: str, probe: type[ProbeBase]) -> None:
    await ensure_topics(
        kafka, [TopicSpec(probe.topic(), partitions=1), TopicSpec(f"{probe.topic()}.DLQ", partitions=1)]
    )
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(probe_metadata.create_all)
    await engine.dispose()


Handler = Callable[[Any, SqlUnitOfWork], Awaitable[None]]


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
    settings: ServiceSettings, probe: type[ProbeBase], handler: Handler = record_effect, *, group: str
) -> AsyncIterator[ServiceRuntime]:
    runtime = ServiceRuntime(settings, name=group, migrations_dir=None)
    subscriptions = runtime.subscriptions(
        lambda: SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe", after_commit=runtime.relay.nudge)
    )
    subscriptions.handler(probe)(handler)
    runtime.include(subscriptions)
    app = runtime.http_app(title="probe")
    async with app.router.lifespan_context(app):
        await runtime.wait_until_consuming()
        yield runtime


async def send_probe(kafka: str, event: ProbeBase, *, event_id: str | None = None) -> str:
    envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
    if event_id:
        envelope = Envelope(event_type=event.event_type, source="/tests", event_id=event_id)
    await produce(
        kafka,
        event.topic(),
        event.model_dump_json().encode(),
        key=event.aggregate_id().encode(),
        headers=envelope.to_headers(),
    )
    return envelope.event_id


async def effects(runtime: ServiceRuntime, probe_key: str) -> list[int]:
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


async def count(runtime: ServiceRuntime, table: Table) -> int:
    async with runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


# ---------------------------------------------------------------- the tests

pytestmark = pytest.mark.integration


@pytest.fixture
async def probe(kafka_bootstrap: str, new_database: Callable[[str], str]) -> tuple[type[ProbeBase], ServiceSettings]:
    probe_type = new_probe_type()
    database_url = new_database("probe")
    await prepare(kafka_bootstrap, database_url, probe_type)
    return probe_type, settings_for(kafka_bootstrap, database_url)


def group() -> str:
    return f"probe-{uuid.uuid4().hex[:8]}"


async def committed_offset(kafka: str, consumer_group: str, topic: str) -> int | None:
    group_id = f"{consumer_group}.{topic}"  # one Kafka group per service and topic
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def test_the_same_event_delivered_twice_is_applied_once(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    duplicate = probe_type(probe_key="dup", n=1)
    async with running_service(settings, probe_type, group=group()) as runtime:
        first_id = await send_probe(kafka_bootstrap, duplicate)
        await send_probe(kafka_bootstrap, duplicate, event_id=first_id)
        await send_probe(kafka_bootstrap, probe_type(probe_key="dup", n=2))
        await wait_for(lambda: _has(runtime, "dup", 2))
        assert await effects(runtime, "dup") == [1, 2]


async def _has(runtime: ServiceRuntime, key: str, n: int) -> bool:
    return n in await effects(runtime, key)


async def test_a_poison_message_is_dead_lettered_and_the_partition_moves_on(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    headers = Envelope(event_type=probe_type.event_type, source="/tests").to_headers()
    async with running_service(settings, probe_type, group=group()) as runtime:
        await produce(kafka_bootstrap, probe_type.topic(), b"{not json", key=b"p", headers=headers)
        await send_probe(kafka_bootstrap, probe_type(probe_key="p", n=1, fail=True))
        await produce(kafka_bootstrap, probe_type.topic(), b'{"probe_key": "p", "n": 2}', key=b"p", headers=[])
        await send_probe(kafka_bootstrap, probe_type(probe_key="p", n=3))
        await wait_for(lambda: _has(runtime, "p", 3))
        assert await effects(runtime, "p") == [3]  # the failing handler's insert was rolled back

    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 3)
    assert [header(r, "dlq_original_offset") for r in dead] == ["0", "1", "2"]
    assert dead[0].value == b"{not json"
    assert "json" in (header(dead[0], "dlq_error") or "").lower()
    assert "asked to fail" in (header(dead[1], "dlq_error") or "")
    assert header(dead[0], "dlq_attempts") == "1"  # unreadable: no point retrying
    assert header(dead[1], "dlq_attempts") == "3"  # the handler failed: retried first
    assert "ce_id" in (header(dead[2], "dlq_error") or "")
    assert header(dead[1], "ce_id") is not None  # original headers are kept for replay


async def test_consumer_database_outage_is_waited_out_not_skipped(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    consumer_group = group()
    async with running_service(settings, probe_type, group=consumer_group) as runtime:
        await send_probe(kafka_bootstrap, probe_type(probe_key="o", n=0))
        await wait_for(lambda: _has(runtime, "o", 0))
        set_connections_allowed(settings.database_url, allowed=False)
        try:
            for n in (1, 2, 3):
                await send_probe(kafka_bootstrap, probe_type(probe_key="o", n=n))
            await asyncio.sleep(3)  # several retry rounds while the database refuses connections
            assert await committed_offset(kafka_bootstrap, consumer_group, probe_type.topic()) in (None, 1)
        finally:
            set_connections_allowed(settings.database_url, allowed=True)
        await wait_for(lambda: _has(runtime, "o", 3))
        assert await effects(runtime, "o") == [0, 1, 2, 3]
        await wait_for(lambda: _committed_is(kafka_bootstrap, consumer_group, probe_type.topic(), 4))
    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: True, timeout=2)
    assert dead == []


async def _committed_is(kafka: str, consumer_group: str, topic: str, offset: int) -> bool:
    return await committed_offset(kafka, consumer_group, topic) == offset


async def test_a_message_whose_handler_never_finished_is_delivered_again(probe: Any, kafka_bootstrap: str) -> None:
    """FastStream's default policy commits before the handler runs; ours only after it committed."""
    probe_type, settings = probe
    consumer_group = group()
    started = asyncio.Event()

    async def hangs(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        started.set()
        await asyncio.sleep(3600)

    async with running_service(settings, probe_type, hangs, group=consumer_group):
        await send_probe(kafka_bootstrap, probe_type(probe_key="h", n=1))
        await asyncio.wait_for(started.wait(), 30)
        await asyncio.sleep(1)  # several commit intervals pass while the handler is stuck

    async with running_service(settings, probe_type, group=consumer_group) as runtime:
        await wait_for(lambda: _has(runtime, "h", 1))
        assert await effects(runtime, "h") == [1]


async def test_an_outbox_transaction_committing_late_is_still_published(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    async with running_service(settings, probe_type, group=group()) as runtime:

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe", after_commit=runtime.relay.nudge)

        async with uow() as slow:
            slow.emit(probe_type(probe_key="late", n=1))
            await slow.write_events()  # inserted first: the lower outbox id, not yet committed
            async with uow() as quick:
                quick.emit(probe_type(probe_key="late", n=2))
                await quick.commit()
            await read_topic(kafka_bootstrap, probe_type.topic(), until=lambda r: _ns(r) == [2])
            await slow.commit()
        records = await read_topic(kafka_bootstrap, probe_type.topic(), until=lambda r: len(r) >= 2)
        assert sorted(_ns(records)) == [1, 2]
        await wait_for(lambda: _has(runtime, "late", 1))
        assert sorted(await effects(runtime, "late")) == [1, 2]
        assert await count(runtime, outbox) == 0


def _ns(records: list[Any]) -> list[int]:
    return [json.loads(r.value)["n"] for r in records]


async def test_published_events_carry_cloudevents_headers(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    async with running_service(settings, probe_type, group=group()) as runtime:
        bind_correlation_id("corr-123")
        async with SqlUnitOfWork(
            runtime.session_factory, source="/trainyard/probe", after_commit=runtime.relay.nudge
        ) as uow:
            uow.emit(probe_type(probe_key="ce", n=1))
            await uow.commit()
        (record,) = await read_topic(kafka_bootstrap, probe_type.topic(), until=lambda r: len(r) >= 1)
    envelope = Envelope.from_headers(record.headers)
    assert envelope.event_type == probe_type.event_type
    assert envelope.source == "/trainyard/probe"
    assert envelope.correlation_id == "corr-123"
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "content-type") == "application/json"
    assert record.key == b"ce"
    assert probe_type.model_validate_json(record.value).n == 1


async def test_a_dead_letter_can_be_listed_and_replayed_once_the_cause_is_fixed(
    probe: Any, kafka_bootstrap: str
) -> None:
    probe_type, settings = probe
    broken = True

    async def fails_until_fixed(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        if broken:
            raise RuntimeError("downstream rule not configured yet")
        await record_effect(event, uow)

    async with running_service(settings, probe_type, fails_until_fixed, group=group()) as runtime:
        event_id = await send_probe(kafka_bootstrap, probe_type(probe_key="r", n=1))
        await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 1)
        (letter,) = await read_dead_letters(kafka_bootstrap, probe_type.topic())
        assert letter.event_id == event_id
        assert letter.error_type == "RuntimeError"
        assert letter.original_offset == 0

        broken = False
        producer = make_producer(kafka_bootstrap, "test-replay")
        await producer.start()
        try:
            assert await replay_dead_letters(producer, [letter]) == 1
        finally:
            await producer.stop()
        await wait_for(lambda: _has(runtime, "r", 1))
        assert await effects(runtime, "r") == [1]
