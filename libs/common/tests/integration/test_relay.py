"""The outbox relay against a real broker and database: big cycles, order per key, no waiting
while a backlog exists, and nothing deleted that Kafka did not take."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import UnknownTopicOrPartitionError
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from trainyard_common.db.engine import make_engine
from trainyard_common.messaging.producer import make_producer
from trainyard_common.messaging.relay import LISTENER_STOP_SECONDS, OutboxRelay
from trainyard_common.messaging.tables import OUTBOX_WAKEUP, messaging_metadata, outbox
from trainyard_common.messaging.topics import TopicSpec
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.kafka import Record, header, read_topic

pytestmark = pytest.mark.integration

PADDING = "x" * 2000  # ~2 KB records: one cycle of 1,000 fills more than one record batch per partition


@pytest.fixture
async def engine(new_database: Callable[[str], str]) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(new_database("relay"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def topics(kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[tuple[str, str]]:
    """Two plain topic names (the relay adds the prefix): one with 3 partitions, one with 1."""
    names = (f"relay-{uuid.uuid4().hex[:8]}.Three", f"relay-{uuid.uuid4().hex[:8]}.One")
    specs = [TopicSpec(topic_prefix + names[0], partitions=3), TopicSpec(topic_prefix + names[1], partitions=1)]
    await ensure_topics(kafka_bootstrap, specs)
    yield names
    await delete_topics(kafka_bootstrap, [s.name for s in specs])


def relay_for(engine: AsyncEngine, kafka: str, prefix: str, **options: Any) -> OutboxRelay:
    return OutboxRelay(
        engine, lambda: make_producer(kafka, "relay-test"), lock_name="test", topic_prefix=prefix, **options
    )


async def fill(engine: AsyncEngine, topic: str, keys: list[str], per_key: int) -> None:
    """``per_key`` rows for each key, interleaved: key order is only visible per key."""
    rows = [
        {
            "topic": topic,
            "message_key": key,
            "payload": json.dumps({"key": key, "n": n, "padding": PADDING}),
            "headers": {"ce_id": f"{key}-{n}", "ce_type": "com.trainyard.Probe"},
        }
        for n in range(per_key)
        for key in keys
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), rows)


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(outbox)) or 0)


async def until_empty(engine: AsyncEngine, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await outbox_size(engine):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the outbox still holds rows")
        await asyncio.sleep(0.05)


def published(topic: str) -> float:
    return REGISTRY.get_sample_value("trainyard_messages_published_total", {"topic": topic}) or 0.0


def sequence_per_key(records: list[Record]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        value = json.loads(record.value)
        seen.setdefault(value["key"], []).append(value["n"])
    return seen


async def test_a_backlog_goes_out_in_big_cycles_in_key_order_and_is_deleted(
    engine: AsyncEngine, topics: tuple[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    three, one = topics
    keys = [f"key-{i}" for i in range(10)]
    await fill(engine, three, keys, per_key=200)
    await fill(engine, one, ["solo"], per_key=500)
    before = published(topic_prefix + three), published(topic_prefix + one)
    relay = relay_for(engine, kafka_bootstrap, topic_prefix, batch_size=1000)

    assert [await relay.publish_batch() for _ in range(4)] == [1000, 1000, 500, 0]

    records = await read_topic(kafka_bootstrap, topic_prefix + three, until=lambda r: len(r) >= 2000)
    assert sequence_per_key(records) == {key: list(range(200)) for key in keys}
    partitions = [0, 1, 2]
    assert all(r.partition == DefaultPartitioner()(r.key, partitions, partitions) for r in records)
    assert {header(r, "ce_id") for r in records} == {f"{key}-{n}" for key in keys for n in range(200)}
    solo = await read_topic(kafka_bootstrap, topic_prefix + one, until=lambda r: len(r) >= 500)
    assert sequence_per_key(solo) == {"solo": list(range(500))}
    assert await outbox_size(engine) == 0
    assert (published(topic_prefix + three) - before[0], published(topic_prefix + one) - before[1]) == (2000, 500)


async def test_the_relay_does_not_wait_between_cycles_while_a_backlog_exists(
    engine: AsyncEngine, topics: tuple[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    three, _ = topics
    await fill(engine, three, ["a", "b", "c"], per_key=117)  # 351 rows: three full cycles and one more
    relay = relay_for(engine, kafka_bootstrap, topic_prefix, batch_size=100, poll_seconds=60, linger_seconds=60)
    running = asyncio.create_task(relay.run())
    try:
        await until_empty(engine, timeout=20)  # a wait between cycles would take a minute
    finally:
        await relay.stop(running, timeout=10)
    assert running.done()
    records = await read_topic(kafka_bootstrap, topic_prefix + three, until=lambda r: len(r) >= 351)
    assert sequence_per_key(records) == {key: list(range(117)) for key in "abc"}


async def test_a_commit_in_another_process_wakes_the_relay_at_once(
    engine: AsyncEngine, topics: tuple[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    """Rows written by a transaction the relay's process never sees (another replica's) go out
    as that transaction commits, not at the next poll: the trigger's notification wakes it."""
    async with engine.begin() as conn:
        for statement in OUTBOX_WAKEUP:
            await conn.execute(text(statement))
    three, _ = topics
    relay = relay_for(engine, kafka_bootstrap, topic_prefix, poll_seconds=60, linger_seconds=0.01)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(1)  # the first, empty cycle is over: the relay waits for a wake-up
        for n in range(3):
            other_process = create_async_engine(engine.url)  # no relay of its own, no nudge
            try:
                await fill(other_process, three, [f"round-{n}"], per_key=2)
            finally:
                await other_process.dispose()
            await until_empty(engine, timeout=5)  # a poll would take a minute
    finally:
        await relay.stop(running, timeout=10)
    records = await read_topic(kafka_bootstrap, topic_prefix + three, until=lambda r: len(r) >= 6)
    assert sequence_per_key(records) == {f"round-{n}": [0, 1] for n in range(3)}


async def test_a_listener_that_loses_its_cancellation_does_not_hold_the_relays_stop(
    engine: AsyncEngine, topics: tuple[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    """The wake-up listener ignoring one cancellation (as psycopg may lose one): the relay still
    stops at once after its grace for the listener, having run to its end, not cut off at the
    stop's timeout."""
    relay = relay_for(engine, kafka_bootstrap, topic_prefix, poll_seconds=0.1)

    async def deaf() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        await asyncio.sleep(3600)  # ends at the second cancellation

    relay._listen = deaf  # type: ignore[method-assign]
    running = asyncio.create_task(relay.run())
    await asyncio.sleep(0.5)
    listener = next(t for t in asyncio.all_tasks() if t.get_name() == "outbox-relay-wakeups")
    started = time.monotonic()
    try:
        await relay.stop(running, timeout=30)
        assert running.done()
        assert not running.cancelled()
        assert time.monotonic() - started < LISTENER_STOP_SECONDS + 10  # the stop's timeout is 30 s
    finally:
        listener.cancel()


async def test_rows_kafka_did_not_take_stay_in_the_outbox(
    engine: AsyncEngine, topics: tuple[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    three, _ = topics
    await fill(engine, three, ["k"], per_key=3)
    await fill(engine, "no-such-topic", ["k"], per_key=1)  # the broker does not create topics

    producers: list[AIOKafkaProducer] = []

    def impatient() -> AIOKafkaProducer:
        producers.append(
            AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, request_timeout_ms=1000)
        )
        return producers[-1]

    relay = OutboxRelay(engine, impatient, lock_name="test", topic_prefix=topic_prefix)
    try:
        with pytest.raises(UnknownTopicOrPartitionError):
            await relay.publish_batch()
    finally:
        for producer in producers:
            await producer.stop()
    assert await outbox_size(engine) == 4
