"""Latency at a steady offered load, well below saturation: commit in customer-account → learner
mapped in client-directory (the projection), p50/p99, beside a plain Kafka produce → consume hop
at the same pace, measured in the same run.

What one run does, on one machine:

1. **Set-up.** The run's own topics (3 partitions) and two fresh databases; customer-account and
   client-directory as real processes (``python -m``, log level WARNING), each with its own
   outbox relay, as deployed. The registrations are committed by this process, as another
   replica of customer-account would commit them: the service's relay hears of each commit
   through the outbox's notification (``messaging/relay.py``), as the replica holding the relay
   lock does in production, lingers 20 ms to gather the commits right behind it, and publishes.
   (The service also consumes every ``LearnerAssignedToClient`` client-directory sends back, and
   answers client-directory's key look-ups.)
2. **Offered load.** R registrations/s for S seconds through customer-account's write path
   (``harness.write_registrations``: customers, outbox, activity), open loop: every 1/(R/K)
   seconds a transaction of K registrations is started on its own, whether or not the previous
   one finished, so a slow moment does not lower the offered rate (no coordinated omission).
   K > 1 because one process cannot commit 1,000 transactions a second through SQLAlchemy on
   this machine (~3 ms of CPU each); every registration is timed from its own transaction's
   commit. A warm-up (producer connected, consumer assigned) comes first and is not counted.
3. **Projection.** This process polls client-directory's ``learners`` by primary key every 10 ms
   for one registration of each commit (a 1-in-K sample; polling for all would load the database
   under test): *visible* is the time the poll that first returned it mapped came back — an upper
   bound on when client-directory's transaction committed, late by up to one poll interval.
   client-directory's own ``assigned_at`` (stamped by its handler before its commit: a lower
   bound) is read for every registration at the end. A plain consumer at the end of the run's
   ``UserRegistered.v2`` topic (what client-directory reads) notes when the sample arrives there: the
   relay's share.
4. **Raw hop, same run, same pace** (services stopped first): the same records through the tuned
   producer (``harness.tuned_producer``) to a fresh topic, K every 1/(R/K) s, read by a plain
   ``getmany`` loop: send → receive per record.

    uv run python bench/latency.py [--rate 1000] [--seconds 20] [--per-commit 10]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from harness import (
    CUSTOMER_ACCOUNT_SOURCE,
    PARTITIONS,
    STALL_SECONDS,
    CpuMeter,
    CpuUse,
    Endpoints,
    Message,
    Run,
    bench_customers,
    create_client,
    delete_quietly,
    find_endpoints,
    fresh_databases,
    latency_line,
    load_average,
    percentile,
    pid_of,
    registration_messages,
    run_header,
    run_topics,
    running,
    service_process,
    tuned_producer,
    write_registrations,
)

from customer_account.adapters.customer_keys import use_key_encryption_keys
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.contracts import UserRegisteredV2
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.messaging.topics import DAY_MS, TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics

POLL_SECONDS = 0.01
WARM_UP = 50  # registrations committed and seen before the clock starts
WATCHED = 500  # ids asked about per poll, at most


# --------------------------------------------------------------------------- the projection, observed


@dataclass
class Projection:
    """When committed registrations show up mapped in client-directory.

    Every registration's ``assigned_at`` is read once at the end. Visibility is polled for one
    registration of each commit (a sample of 1 in K, 100 a second at the defaults: their keys
    spread them over the partitions like the rest): asking for every waiting id every 10 ms would
    load the database under test with tens of thousands of lookups a second.
    """

    database_url: str
    committed: dict[uuid.UUID, float] = field(default_factory=dict)  # every registration → commit time
    watched: dict[uuid.UUID, float] = field(default_factory=dict)  # the sample not seen yet → commit time
    visible: list[tuple[float, float]] = field(default_factory=list)  # the sample: commit, visible
    unpublished: dict[bytes, float] = field(default_factory=dict)  # the sample's keys not on Kafka yet
    published: list[tuple[float, float]] = field(default_factory=list)  # the sample: commit, on Kafka

    def expect(self, ids: list[uuid.UUID], committed_at: float) -> None:
        self.committed.update(dict.fromkeys(ids, committed_at))
        self.watched[ids[0]] = committed_at
        self.unpublished[str(ids[0]).encode()] = committed_at

    def restart(self) -> None:
        """Forget what was measured so far (the warm-up)."""
        self.committed.clear()
        self.visible.clear()
        self.published.clear()

    async def watch_topic(self, consumer: AIOKafkaConsumer) -> None:
        """Until cancelled: when the sample's ``UserRegistered`` reach the topic, as a plain
        consumer positioned at its end sees them — where the relay's share of the latency ends."""
        while True:
            batch = await consumer.getmany(timeout_ms=100, max_records=10_000)
            arrived = time.time()
            for records in batch.values():
                for record in records:
                    if (committed_at := self.unpublished.pop(record.key, None)) is not None:
                        self.published.append((committed_at, arrived))

    async def watch(self) -> None:
        """Poll until cancelled: one primary-key lookup of the few sampled ids still waiting."""
        query = "SELECT customer_id FROM learners WHERE customer_id = ANY(%s) AND client_id IS NOT NULL"
        async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            while True:
                if self.watched:
                    # The oldest few hundred only: should a backlog build (the system saturated),
                    # asking for thousands of ids per poll would load the database under test.
                    rows = await (await conn.execute(query, (list(islice(self.watched, WATCHED)),))).fetchall()
                    returned_at = time.time()
                    self.visible += [(self.watched.pop(customer_id), returned_at) for (customer_id,) in rows]
                await asyncio.sleep(POLL_SECONDS)

    async def drained(self) -> None:
        waited = time.monotonic()
        while self.watched:
            if time.monotonic() - waited > STALL_SECONDS:
                raise TimeoutError(f"{len(self.watched)} registrations never showed up mapped in client-directory")
            await asyncio.sleep(POLL_SECONDS)

    async def assigned(self) -> list[tuple[float, float]]:
        """Every registration's commit time and ``assigned_at``, once all are mapped."""
        query = (
            "SELECT customer_id, extract(epoch FROM assigned_at) FROM learners "
            "WHERE customer_id = ANY(%s) AND client_id IS NOT NULL"
        )
        ids, waited = list(self.committed), time.monotonic()
        async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            while len(rows := await (await conn.execute(query, (ids,))).fetchall()) < len(ids):
                if time.monotonic() - waited > STALL_SECONDS:
                    raise TimeoutError(f"only {len(rows)}/{len(ids)} registrations mapped in client-directory")
                await asyncio.sleep(0.5)
        return [(self.committed[customer_id], float(assigned_at)) for customer_id, assigned_at in rows]


# --------------------------------------------------------------------------- offered load


@dataclass(frozen=True, slots=True)
class Load:
    rate: int  # registrations/s
    seconds: float
    per_commit: int

    @property
    def interval(self) -> float:
        return self.per_commit / self.rate

    @property
    def ticks(self) -> int:
        return round(self.rate * self.seconds / self.per_commit)


async def paced(load: Load, ticks: int, start: Callable[[int], Coroutine[Any, Any, None]]) -> None:
    """Open loop: ``start(tick)`` launched on schedule, every ``load.interval``, without waiting
    for the previous ones; returns when all have finished."""
    running: set[asyncio.Task[None]] = set()
    began = time.perf_counter()
    for tick in range(ticks):
        delay = began + tick * load.interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(start(tick))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)


@dataclass(frozen=True, slots=True)
class Measured:
    published: list[tuple[float, float]]  # the sample: commit, on Kafka (epoch seconds)
    visible: list[tuple[float, float]]  # the sample: commit, visible
    assigned: list[tuple[float, float]]  # every registration: commit, assigned_at
    offered_rate: float  # registrations/s between the first and last commit
    cpu: CpuUse


async def offer_load(
    endpoints: Endpoints, run: Run, databases: tuple[str, str], load: Load, meter: CpuMeter
) -> Measured:
    account_db, directory_db = databases
    # The KEKs the service process wraps customers' keys with (its settings in a test environment).
    use_key_encryption_keys(Settings(database_url=account_db, environment="test").keks)
    # The writers stand in for the load: the requests or imports another replica commits.
    writers = make_session_factory(writer_engine := make_engine(account_db))
    projection = Projection(directory_db)
    topic = await tail(endpoints.kafka, run.topic(UserRegisteredV2))  # the version client-directory reads
    watchers = [asyncio.create_task(projection.watch()), asyncio.create_task(projection.watch_topic(topic))]
    offset = 0

    async def commit(count: int) -> None:
        nonlocal offset
        customers = bench_customers(run.domain, offset, count)
        offset += count
        async with CustomerUnitOfWork(writers, source=CUSTOMER_ACCOUNT_SOURCE) as uow:
            await write_registrations(uow, customers)
            await uow.commit()
        committed_at = time.time()
        projection.expect([c.id for c in customers], committed_at)

    try:
        await commit(WARM_UP)
        await projection.drained()
        projection.restart()
        meter.start()
        await paced(load, load.ticks, lambda _: commit(load.per_commit))
        await projection.drained()
        cpu = meter.stop()
        assigned = await projection.assigned()
    finally:
        for watcher in watchers:
            watcher.cancel()
        await topic.stop()
        await writer_engine.dispose()
    commits = list(projection.committed.values())
    rate = len(commits) / max(max(commits) - min(commits), 1e-9)
    return Measured(projection.published, projection.visible, assigned, rate, cpu)


async def tail(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    """A plain consumer of ``topic``, positioned at its end (nothing committed yet is missed)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for partition in partitions:
        await consumer.position(partition)  # resolved now, not at the first fetch
    return consumer


# --------------------------------------------------------------------------- the raw hop


async def raw_hop(bootstrap: str, messages: list[Message], load: Load) -> list[float]:
    """Milliseconds from ``send()`` to the record's arrival in a plain ``getmany`` loop, at the
    same pace as the registrations, on a fresh topic (deleted afterwards)."""
    topic = f"bench-raw-{uuid.uuid4().hex[:10]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions=PARTITIONS, retention_ms=DAY_MS)])
    producer, consumer = tuned_producer(bootstrap), AIOKafkaConsumer(bootstrap_servers=bootstrap)
    sent: dict[bytes, float] = {}
    latencies: list[float] = []

    async def receive() -> None:
        while len(latencies) < len(messages):
            batch = await consumer.getmany(timeout_ms=100, max_records=10_000)
            arrived = time.perf_counter()
            latencies.extend((arrived - sent[r.key]) * 1000 for records in batch.values() for r in records)

    async def send(tick: int) -> None:
        deliveries = []
        for key, value, headers in messages[tick * load.per_commit : (tick + 1) * load.per_commit]:
            sent[key] = time.perf_counter()
            deliveries.append(await producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*deliveries)

    try:
        await producer.start()
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        receiving = asyncio.create_task(receive())
        await paced(load, len(messages) // load.per_commit, send)
        await asyncio.wait_for(receiving, STALL_SECONDS)
    finally:
        await producer.stop()
        await consumer.stop()
        await delete_quietly(bootstrap, [topic])
    return latencies


# --------------------------------------------------------------------------- main


@dataclass(frozen=True, slots=True)
class Results:
    load: Load
    measured: Measured
    raw_ms: list[float]


def measure(endpoints: Endpoints, run: Run, load: Load) -> Results:
    with fresh_databases(endpoints.pg_url, "bench_cust", "bench_dir") as (account_db, directory_db):
        account = service_process("customer_account", endpoints, run, account_db)
        # client-directory unseals UserRegistered.v2 with the keys customer-account serves it.
        directory = service_process(
            "client_directory", endpoints, run, directory_db, TRAINYARD_CUSTOMER_ACCOUNT_URL=account.url
        )
        with running(account, directory):
            create_client(directory, f"Bench {run.domain}", [run.domain])
            meter = CpuMeter(
                {
                    "bench (writers, pollers)": None,
                    "customer-account": pid_of(account),
                    "client-directory": pid_of(directory),
                }
            )
            print(f"offering {load.rate} registrations/s for {load.seconds:.0f} s …", flush=True)
            measured = asyncio.run(offer_load(endpoints, run, (account_db, directory_db), load, meter))
    print("raw Kafka hop at the same pace …", flush=True)
    customers = bench_customers(f"raw-{run.domain}", 0, load.ticks * load.per_commit)
    messages = registration_messages(customers, v1=False)  # the sealed version, as client-directory reads it
    raw_ms = asyncio.run(raw_hop(endpoints.kafka, messages, load))
    return Results(load, measured, raw_ms)


def summary(results: Results) -> str:
    load, m = results.load, results.measured
    sample = sorted((v - c) * 1000 for c, v in m.visible)
    published = [(p - c) * 1000 for c, p in m.published]
    assigned = [(a - c) * 1000 for c, a in m.assigned]
    raw = sorted(results.raw_ms)
    p99, raw_p99 = percentile(sample, 99), percentile(raw, 99)
    return "\n".join(
        [
            "",
            "=" * 100,
            f"offered: {load.rate} registrations/s for {load.seconds:.0f} s, {load.per_commit} per commit "
            f"(achieved {m.offered_rate:.0f}/s over {len(m.assigned)} registrations)",
            latency_line(f"commit → visible in client-directory (polled, upper bound; 1 in {load.per_commit})", sample),
            latency_line("  of which commit → on Kafka (the relay's share; a plain consumer's view)", published),
            latency_line("commit → client-directory's assigned_at (its handler's clock, lower bound)", assigned),
            latency_line("raw Kafka hop, tuned producer → getmany consumer, same pace", raw),
            f"p99 commit → projection: {p99:.1f} ms (target < 250 ms, aim < 100 ms); "
            f"{p99 / raw_p99:.1f} times the raw hop's p99",
            m.cpu.line(len(m.assigned)),
            *(
                [
                    f"WARNING: only {m.offered_rate:.0f} of {load.rate} registrations/s were committed: the writers "
                    "fell behind (machine saturated?), so this is not the latency at the asked rate"
                ]
                if m.offered_rate < 0.95 * load.rate
                else []
            ),
            "=" * 100,
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rate", type=int, default=1000, help="registrations per second offered (default 1000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (default 20)")
    parser.add_argument("--per-commit", type=int, default=10, help="registrations per transaction (default 10)")
    args = parser.parse_args(argv)
    load = Load(args.rate, args.seconds, args.per_commit)
    if load.rate < 1 or load.per_commit < 1 or load.ticks < 2:
        parser.error("--rate, --per-commit ≥ 1 and at least two commits")

    endpoints = find_endpoints()
    print(run_header())
    run = Run.new()
    with run_topics(endpoints.kafka, run):
        results = measure(endpoints, run, load)
    print(summary(results))
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
