"""The reliability guarantees of the messaging plumbing, on a probe service (``testing.probe``)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.dead_letters import read_dead_letters, replay_dead_letters
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.producer import make_producer
from trainyard_common.messaging.tables import outbox
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.databases import set_connections_allowed
from trainyard_common.testing.kafka import header, produce, read_topic
from trainyard_common.testing.probe import (
    ProbeBase,
    committed_offset,
    count,
    effects,
    group,
    record_effect,
    running_service,
    send_probe,
    wait_for,
)

# ---------------------------------------------------------------- the tests

pytestmark = pytest.mark.integration


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

    records = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 3)
    # By original offset: a batch's unreadable records are dead-lettered before its readable ones
    # are applied (delivery.py), so offset 2 comes before offset 1 when the three share a batch.
    dead = {header(r, "dlq_original_offset"): r for r in records}
    assert sorted(dead) == ["0", "1", "2"]
    assert len(records) == 3
    assert dead["0"].value == b"{not json"
    assert "json" in (header(dead["0"], "dlq_error") or "").lower()
    assert "asked to fail" in (header(dead["1"], "dlq_error") or "")
    assert header(dead["0"], "dlq_attempts") == "1"  # unreadable: no point retrying
    assert header(dead["1"], "dlq_attempts") == "3"  # the handler failed: retried first
    assert "ce_id" in (header(dead["2"], "dlq_error") or "")
    assert header(dead["1"], "ce_id") is not None  # original headers are kept for replay


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

    # The stop gives the stuck handler half its grace, then ends it, and stops within the grace
    # period (FastStream's own stop waited 15 s more for it). A short grace: 20 s proves nothing more.
    hurried = settings.model_copy(update={"shutdown_grace_seconds": 1.0})
    async with running_service(hurried, probe_type, hangs, group=consumer_group):
        await send_probe(kafka_bootstrap, probe_type(probe_key="h", n=1))
        await asyncio.wait_for(started.wait(), 30)
        await asyncio.sleep(1)  # several commit intervals pass while the handler is stuck
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1.0 + 5.0, "the stop kept to its grace period (and some slack)"

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


async def test_one_keys_events_are_published_in_the_order_their_transactions_committed(
    probe: Any, kafka_bootstrap: str
) -> None:
    """Outbox ids are drawn when a transaction commits its events (``uow.commit`` writes them
    last, after every row lock the transaction took), so for one key — whose writers lock the
    same aggregate row — id order is commit order, and the relay publishes in id order.

    Here the first transaction emits, the second emits and commits while the first is still
    open, then the first commits: the second's event must come first, whatever the emit order."""
    probe_type, settings = probe
    relay_off = settings.model_copy(update={"outbox_relay_enabled": False})
    async with running_service(relay_off, probe_type, group=group()) as runtime:

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe")

        async with uow() as first:
            first.emit(probe_type(probe_key="order", n=1))
            async with uow() as second:
                second.emit(probe_type(probe_key="order", n=2))
                await second.commit()
            await first.commit()
        while await runtime.relay.publish_batch():
            pass
    records = await read_topic(kafka_bootstrap, probe_type.topic(), until=lambda r: len(r) >= 2)
    assert _ns(records) == [2, 1]
