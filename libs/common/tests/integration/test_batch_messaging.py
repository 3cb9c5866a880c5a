"""Batches keep every guarantee of one-at-a-time delivery (real Kafka, real PostgreSQL).

The events are published before the probe service starts, so its first fetch hands it many of
them at once: the failures below happen in the middle of a batch, not alone.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.subscriptions import DuplicateHandler
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.kafka import header, produce, read_topic
from trainyard_common.testing.probe import (
    ProbeBase,
    committed_offset,
    group,
    new_probe_type,
    prepare,
    probe_effects,
    probe_envelope,
    record_effect,
    running_service,
    send_probes,
    settings_for,
    wait_for,
)

pytestmark = pytest.mark.integration

BATCH = 500


def numbered(probe_type: type[ProbeBase], count: int, **fields: Any) -> list[tuple[ProbeBase, str]]:
    return [(probe_type(probe_key=f"k{n % 7}", n=n, **fields), str(uuid.uuid4())) for n in range(count)]


async def applied(runtime: ServiceRuntime) -> Counter[int]:
    """How many times each probe number was applied (the effect is not idempotent on purpose)."""
    async with runtime.engine.connect() as conn:
        return Counter(row.n for row in await conn.execute(select(probe_effects.c.n)))


async def all_applied(runtime: ServiceRuntime, numbers: set[int]) -> bool:
    return set(await applied(runtime)) >= numbers


async def test_a_poison_message_in_the_middle_of_a_batch_is_dead_lettered_alone(
    probe: Any, kafka_bootstrap: str
) -> None:
    probe_type, settings = probe
    consumer_group = group()
    events = numbered(probe_type, BATCH)
    poison = BATCH // 2
    events[poison] = (probe_type(probe_key="poison", n=poison, fail=True), events[poison][1])
    await send_probes(kafka_bootstrap, events)
    second_attempt = asyncio.Event()
    attempts = 0

    async def fails_on_poison(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        nonlocal attempts
        if event.fail:
            attempts += 1
            if attempts == 2:  # the poison stands alone now: hold it a moment to look at the offsets
                second_attempt.set()
                await asyncio.sleep(1)
        await record_effect(event, uow)

    async with running_service(settings, probe_type, fails_on_poison, group=consumer_group) as runtime:
        await asyncio.wait_for(second_attempt.wait(), 30)
        await asyncio.sleep(0.5)  # more than an offset-commit interval
        during = await committed_offset(kafka_bootstrap, consumer_group, probe_type.topic())
        assert during is None or during <= poison  # nothing past the unfinished poison
        await wait_for(lambda: all_applied(runtime, set(range(BATCH)) - {poison}))
        await wait_for(lambda: _committed_is(kafka_bootstrap, consumer_group, probe_type.topic(), BATCH))
        counts = await applied(runtime)

    assert counts == Counter(n for n in range(BATCH) if n != poison)  # each once, the poison never
    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 1)
    assert [header(r, "dlq_original_offset") for r in dead] == [str(poison)]
    assert header(dead[0], "dlq_attempts") == str(settings.consumer_max_attempts)
    assert header(dead[0], "ce_id") == events[poison][1]


async def _committed_is(kafka: str, consumer_group: str, topic: str, offset: int) -> bool:
    return await committed_offset(kafka, consumer_group, topic) == offset


async def test_duplicates_in_one_batch_and_across_batches_are_applied_once(probe: Any, kafka_bootstrap: str) -> None:
    probe_type, settings = probe
    events = numbered(probe_type, 100)
    in_batch_duplicates = [events[3], events[3], events[40]]
    await send_probes(kafka_bootstrap, events[:50] + in_batch_duplicates + events[50:])
    async with running_service(settings, probe_type, group=group()) as runtime:
        await wait_for(lambda: all_applied(runtime, set(range(100))))
        await send_probes(kafka_bootstrap, [events[5], events[99], *numbered(probe_type, 101)[100:]])
        await wait_for(lambda: all_applied(runtime, set(range(101))))
        await asyncio.sleep(0.5)  # the redelivered ones had their chance too
        counts = await applied(runtime)
    assert counts == Counter(range(101))


async def test_a_database_failure_in_the_middle_of_a_batch_half_applies_nothing_and_skips_nothing(
    probe: Any, kafka_bootstrap: str
) -> None:
    """The connection dies under the batch's transaction (the server ends it: SQLSTATE 57P01)."""
    probe_type, settings = probe
    events = numbered(probe_type, BATCH)
    await send_probes(kafka_bootstrap, events)
    killed = False

    async def connection_dies_once(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        nonlocal killed
        await record_effect(event, uow)
        if event.n == BATCH // 2 and not killed:
            killed = True
            await uow.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    async with running_service(settings, probe_type, connection_dies_once, group=group()) as runtime:
        await wait_for(lambda: all_applied(runtime, set(range(BATCH))))
        await asyncio.sleep(0.5)
        counts = await applied(runtime)
    assert killed
    assert counts == Counter(range(BATCH))
    assert await _no_dead_letters(kafka_bootstrap, probe_type)


async def _no_dead_letters(kafka: str, probe_type: type[ProbeBase]) -> bool:
    return await read_topic(kafka, f"{probe_type.topic()}.DLQ", until=lambda r: True, timeout=2) == []


async def test_a_consumer_joining_mid_stream_takes_partitions_without_losing_or_repeating_an_event(
    kafka_bootstrap: str, new_database: Callable[[str], str]
) -> None:
    probe_type = new_probe_type()
    database_url = new_database("probe")
    await prepare(kafka_bootstrap, database_url, probe_type, partitions=3)
    settings = settings_for(kafka_bootstrap, database_url, consumer_batch_size=100)
    total = 3000
    await send_probes(kafka_bootstrap, numbered(probe_type, total))

    async def slow_batches(deliveries: Sequence[Delivered[ProbeBase]], uow: SqlUnitOfWork) -> None:
        rows = [{"probe_key": d.event.probe_key, "n": d.event.n} for d in deliveries]
        await uow.session.execute(insert(probe_effects), rows)
        await asyncio.sleep(0.05)  # batches are in flight when the group rebalances

    consumer_group = group()
    async with running_service(settings, probe_type, group=consumer_group, batch_handler=slow_batches) as first:
        await wait_for(lambda: _applied_at_least(first, 300))
        async with running_service(settings, probe_type, group=consumer_group, batch_handler=slow_batches):
            await wait_for(lambda: all_applied(first, set(range(total))), timeout=90)
            await asyncio.sleep(1)
            counts = await applied(first)
    assert counts == Counter(range(total))


async def _applied_at_least(runtime: ServiceRuntime, count: int) -> bool:
    return sum((await applied(runtime)).values()) >= count


async def test_a_record_with_undecodable_headers_is_dead_lettered_not_skipped(probe: Any, kafka_bootstrap: str) -> None:
    """A foreign producer's null or non-UTF-8 header value: FastStream's parser dropped such records."""
    probe_type, settings = probe
    consumer_group = group()
    before, after = numbered(probe_type, 2)
    good = probe_envelope(before[0], before[1]).to_headers()
    await send_probes(kafka_bootstrap, [before])
    for odd_header in (("x-null", None), ("x-latin1", "café".encode("latin-1"))):
        await produce(
            kafka_bootstrap, probe_type.topic(), before[0].model_dump_json().encode(), headers=[*good, odd_header]
        )  # type: ignore[list-item]
    await send_probes(kafka_bootstrap, [after])
    async with running_service(settings, probe_type, group=consumer_group) as runtime:
        await wait_for(lambda: all_applied(runtime, {0, 1}))
        await wait_for(lambda: _committed_is(kafka_bootstrap, consumer_group, probe_type.topic(), 4))
        counts = await applied(runtime)
    assert counts == Counter([0, 1])
    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 2)
    assert [header(r, "dlq_original_offset") for r in dead] == ["1", "2"]
    assert all(header(r, "dlq_attempts") == "1" for r in dead)


async def test_a_statement_timeout_counts_against_the_message_and_the_topic_moves_on(
    probe: Any, kafka_bootstrap: str
) -> None:
    """SQLSTATE 57014 is an OperationalError like a lost connection, but it is the message's fault."""
    probe_type, settings = probe
    events = numbered(probe_type, 20)
    slow = 10
    events[slow] = (probe_type(probe_key="slow", n=slow, fail=True), events[slow][1])
    await send_probes(kafka_bootstrap, events)

    async def times_out_on_slow(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        if event.fail:
            await uow.session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            await uow.session.execute(text("SELECT pg_sleep(1)"))
        await record_effect(event, uow)

    async with running_service(settings, probe_type, times_out_on_slow, group=group()) as runtime:
        await wait_for(lambda: all_applied(runtime, set(range(20)) - {slow}))
        counts = await applied(runtime)
    assert counts == Counter(n for n in range(20) if n != slow)
    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 1)
    assert [header(r, "dlq_original_offset") for r in dead] == [str(slow)]
    assert header(dead[0], "dlq_attempts") == str(settings.consumer_max_attempts)
    assert "QueryCanceled" in (header(dead[0], "dlq_error") or "")


async def test_a_handler_that_commits_by_itself_is_refused_and_its_event_dead_lettered(
    probe: Any, kafka_bootstrap: str
) -> None:
    """Its commit would also commit the claims of the batch's later events, not yet applied."""
    probe_type, settings = probe
    events = numbered(probe_type, 10)
    rogue = 4
    events[rogue] = (probe_type(probe_key="rogue", n=rogue, fail=True), events[rogue][1])
    await send_probes(kafka_bootstrap, events)

    async def commits_on_rogue(event: ProbeBase, uow: SqlUnitOfWork) -> None:
        await uow.session.execute(insert(probe_effects).values(probe_key=event.probe_key, n=event.n))
        if event.fail:
            await uow.commit()

    async with running_service(settings, probe_type, commits_on_rogue, group=group()) as runtime:
        await wait_for(lambda: all_applied(runtime, set(range(10)) - {rogue}))
        counts = await applied(runtime)
    assert counts == Counter(n for n in range(10) if n != rogue)
    dead = await read_topic(kafka_bootstrap, f"{probe_type.topic()}.DLQ", until=lambda r: len(r) >= 1)
    assert "does not commit" in (header(dead[0], "dlq_error") or "")


async def test_a_second_handler_for_one_event_type_is_refused_at_start_up(probe: Any) -> None:
    probe_type, settings = probe
    runtime = ServiceRuntime(settings, name=group(), migrations_dir=None)
    subscriptions = runtime.subscriptions(lambda: SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe"))
    subscriptions.handler(probe_type)(record_effect)
    with pytest.raises(DuplicateHandler):
        subscriptions.handler(probe_type)(record_effect)
    elsewhere = runtime.subscriptions(lambda: SqlUnitOfWork(runtime.session_factory, source="/trainyard/probe"))
    elsewhere.handler(probe_type)(record_effect)
    runtime.include(subscriptions)
    with pytest.raises(DuplicateHandler):
        runtime.include(elsewhere)
    await runtime.engine.dispose()
