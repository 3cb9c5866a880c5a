"""What the relay reports while Kafka is away: the alerts TrainyardOutboxOldestRowStale and
TrainyardRelayNotPublishing read these figures, so they must move while nothing is published."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from trainyard_common.db.engine import make_engine
from trainyard_common.messaging.relay import OutboxRelay
from trainyard_common.messaging.tables import messaging_metadata, outbox
from trainyard_common.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, OUTBOX_RELAY_FAILURES

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(new_database: Callable[[str], str]) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(new_database("relay_metrics"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


def no_broker() -> AIOKafkaProducer:
    raise ConnectionError("Kafka is away")


async def test_a_relay_that_cannot_publish_still_reports_its_growing_backlog(engine: AsyncEngine) -> None:
    rows = [
        {"topic": "Probe", "message_key": f"k{n}", "payload": json.dumps({"n": n}), "headers": {"ce_id": str(n)}}
        for n in range(4)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), rows)
        await conn.execute(text("UPDATE outbox SET created_at = now() - interval '90 seconds'"))
    OUTBOX_BACKLOG.set(0)  # what a relay that caught up reported before Kafka went away
    OUTBOX_OLDEST_SECONDS.set(0)
    failures_before = OUTBOX_RELAY_FAILURES._value.get()

    relay = OutboxRelay(engine, no_broker, lock_name="metrics-test", poll_seconds=0.1)
    running = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(10):
            while OUTBOX_BACKLOG._value.get() == 0:  # noqa: ASYNC110  # a gauge, not an event
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert OUTBOX_BACKLOG._value.get() == 4
    assert OUTBOX_OLDEST_SECONDS._value.get() >= 90
    assert OUTBOX_RELAY_FAILURES._value.get() > failures_before
