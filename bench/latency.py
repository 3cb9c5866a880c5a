"""Latency at a steady offered load, well below saturation: commit in customer-account → learner
mapped in client-directory (the projection), p50/p99, beside a plain Kafka produce → consume hop
at the same pace, measured in the same run.

What one run does, on one machine:

1. **Set-up.** The run's own topics (3 partitions) and two fresh databases; customer-account and
   client-directory as real processes (``python -m``, log level WARNING). customer-account runs
   with ``TRAINYARD_OUTBOX_RELAY_ENABLED=false`` because its relay runs **in this process**
   instead, built by customer-account's own ``bootstrap`` from its own settings (batch size,
   poll interval, linger, producer) — the very object the service would run. Why: the
   registrations are committed by this process, and in the service every commit that writes
   events nudges the relay, which then lingers 20 ms to gather the commits right behind it. A
   service relay polling every few ms instead would skip that linger and flatter the figure;
   this way each commit nudges the relay exactly as the service's ``after_commit`` does. (The
   service process still consumes every ``LearnerAssignedToClient`` client-directory sends back.)
2. **Offered load.** R registrations/s for S seconds through customer-account's write path
   (``harness.write_registrations``: customers, outbox, activity), open loop: every 1/(R/K)
   seconds a transaction of K registrations is started on its own, whether or not the previous
   one finished, so a slow moment does not lower the offered rate (no coordinated omission).
   K > 1 because one process cannot commit 1,000 transactions a second through SQLAlchemy on
   this machine (~3 ms of CPU each); every registration is timed from its own transaction's
   commit. A warm-up (producer connected, consumer assigned) comes first and is not counted.
3. **Projection.** This process polls client-directory's ``learners`` by primary key for the
   registrations not yet seen, every 10 ms: *visible* is the time the poll that first returned a
   learner as mapped came back — an upper bound on when its transaction committed, late by up to
   one poll interval. client-directory's own ``assigned_at`` (stamped by its handler before its
   commit) is printed too, a lower bound.
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
    relay_message,
    run_header,
    run_topics,
    running,
    service_process,
    tuned_producer,
    write_registrations,
)

from customer_account.bootstrap import bootstrap
from customer_account.service_layer.registration import registered_event
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.contracts import RegistrationSource
from trainyard_common.messaging.topics import DAY_MS, TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics

POLL_SECONDS = 0.01
WARM_UP = 50  # registrations committed and seen before the clock starts
WATCHED = 500  # ids asked about per poll, at most


# --------------------------------------------------------------------------- the projection, observed


@dataclass
class Projection:
    """Which committed registrations client-directory shows mapped, and when they were first seen."""

    database_url: str
    committed: dict[uuid.UUID, float] = field(default_factory=dict)  # waiting: id → commit time
    seen: list[tuple[float, float, float]] = field(default_factory=list)  # commit, visible, assigned_at

    def expect(self, ids: list[uuid.UUID], committed_at: float) -> None:
        self.committed.update(dict.fromkeys(ids, committed_at))

    async def watch(self) -> None:
        """Poll until cancelled. One primary-key lookup of the few waiting ids per poll: cheap
        enough to run every 10 ms beside the services on a 2-CPU machine."""
        query = (
            "SELECT customer_id, extract(epoch FROM assigned_at) FROM learners "
            "WHERE customer_id = ANY(%s) AND client_id IS NOT NULL"
        )
        async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            while True:
                if self.committed:
                    # The oldest few hundred only: if a backlog builds (the system saturated), a
                    # poll asking for thousands of ids would load the database under test.
                    oldest = list(islice(self.committed, WATCHED))
                    rows = await (await conn.execute(query, (oldest,))).fetchall()
                    returned_at = time.time()
                    for customer_id, assigned_at in rows:
                        self.seen.append((self.committed.pop(customer_id), returned_at, float(assigned_at)))
                await asyncio.sleep(POLL_SECONDS)

    async def drained(self) -> None:
        waited = time.monotonic()
        while self.committed:
            if time.monotonic() - waited > STALL_SECONDS:
                raise TimeoutError(f"{len(self.committed)} registrations never showed up mapped in client-directory")
            await asyncio.sleep(POLL_SECONDS)


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
    samples: list[tuple[float, float, float]]  # commit, visible, assigned_at (epoch seconds)
    offered_rate: float  # registrations/s between the first and last commit
    cpu: CpuUse


async def offer_load(
    endpoints: Endpoints, run: Run, databases: tuple[str, str], load: Load, meter: CpuMeter
) -> Measured:
    account_db, directory_db = databases
    settings = Settings(
        database_url=account_db,
        kafka_bootstrap=endpoints.kafka,
        topic_prefix=run.topic_prefix,
        environment="test",
        migrate_on_start=False,
    )
    runtime, _ = bootstrap(settings)  # customer-account's own wiring: its relay, engine and pool
    relay = asyncio.create_task(runtime.relay.run(), name="outbox-relay")
    projection = Projection(directory_db)
    watcher = asyncio.create_task(projection.watch())
    offset = 0

    async def commit(count: int) -> None:
        nonlocal offset
        customers = bench_customers(run.domain, offset, count)
        offset += count
        async with CustomerUnitOfWork(runtime.session_factory, source=CUSTOMER_ACCOUNT_SOURCE) as uow:
            await write_registrations(uow, customers)
            await uow.commit()
        committed_at = time.time()
        runtime.relay.nudge()  # what the service's after_commit does after a commit with events
        projection.expect([c.id for c in customers], committed_at)

    try:
        await commit(WARM_UP)
        await projection.drained()
        projection.seen.clear()
        meter.start()
        await paced(load, load.ticks, lambda _: commit(load.per_commit))
        await projection.drained()
        cpu = meter.stop()
    finally:
        watcher.cancel()
        await runtime.relay.stop(relay, 10)
        await runtime.engine.dispose()
    commits = [s[0] for s in projection.seen]
    return Measured(projection.seen, len(commits) / max(max(commits) - min(commits), 1e-9), cpu)


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
        account = service_process(
            "customer_account", endpoints, run, account_db, TRAINYARD_OUTBOX_RELAY_ENABLED="false"
        )
        directory = service_process("client_directory", endpoints, run, directory_db)
        with running(account, directory):
            create_client(directory, f"Bench {run.domain}", [run.domain])
            meter = CpuMeter(
                {
                    "bench (writers, customer-account's relay, poller)": None,
                    "customer-account": pid_of(account),
                    "client-directory": pid_of(directory),
                }
            )
            print(f"offering {load.rate} registrations/s for {load.seconds:.0f} s …", flush=True)
            measured = asyncio.run(offer_load(endpoints, run, (account_db, directory_db), load, meter))
    print("raw Kafka hop at the same pace …", flush=True)
    customers = bench_customers(f"raw-{run.domain}", 0, load.ticks * load.per_commit)
    messages = [relay_message(registered_event(c, RegistrationSource.SELF_REGISTRATION)) for c in customers]
    raw_ms = asyncio.run(raw_hop(endpoints.kafka, messages, load))
    return Results(load, measured, raw_ms)


def summary(results: Results) -> str:
    load, m = results.load, results.measured
    visible = sorted((v - c) * 1000 for c, v, _ in m.samples)
    assigned = [(a - c) * 1000 for c, _, a in m.samples]
    raw = sorted(results.raw_ms)
    p99, raw_p99 = percentile(visible, 99), percentile(raw, 99)
    return "\n".join(
        [
            "",
            "=" * 100,
            f"offered: {load.rate} registrations/s for {load.seconds:.0f} s, {load.per_commit} per commit "
            f"(achieved {m.offered_rate:.0f}/s over {len(m.samples)} registrations)",
            latency_line("commit → visible mapped in client-directory (polled, upper bound)", visible),
            latency_line("commit → client-directory's assigned_at (its handler's clock, lower bound)", assigned),
            latency_line("raw Kafka hop, tuned producer → getmany consumer, same pace", raw),
            f"p99 commit → projection: {p99:.1f} ms (target < 250 ms, aim < 100 ms); "
            f"{p99 / raw_p99:.1f} times the raw hop's p99",
            m.cpu.line(),
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
