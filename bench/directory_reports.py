"""client-directory alone: UserRegistered replayed into an empty service with 1,000 clients.

What is measured, in one run on one machine:

1. **Mapping.** client-directory runs as a real process (``python -m client_directory``, fresh
   database, log level WARNING) under a topic prefix of its own (``bench-<run>.``: fresh topics,
   deleted afterwards). 1,000 clients, each owning a domain of the run and an alias, are created
   through its internal ``POST /v1/clients``. Then N ``UserRegistered`` events (payload +
   CloudEvents headers, as customer-account's outbox writes them) are produced in one burst to
   the run's ``UserRegistered`` topic: a backlog the service consumes as a replay. Learners are
   spread over the clients: 80 % by domain, 10 % by a sub-domain (``mail.<domain>``), 10 % by
   organisation alias. Figures: events/s from the first produce to the last learner mapped
   (``learners.assigned_at``), and the mapping rate (first → last ``assigned_at``).
2. **Report.** With the N learners in place (plus one progress fact per learner and one order
   per two learners, inserted directly so the aggregation has real work), ``GET
   /v1/reports/clients`` is timed over HTTP: the whole report (1,000 clients in one page) and the
   report of one client — p50 / p95 / p99.
3. **Raw Kafka.** The same topic (the same N records) read again from the beginning by a bare
   aiokafka consumer group in the same run: the broker's consume ceiling for exactly this data.
   The ratio mapping / raw consume says how much of it the service's per-event reliability work
   (claim + learner + match + outbox, one transaction per event) leaves.

Run with the local infrastructure up (``bash deploy/local/infra.sh up``)::

    uv run python bench/directory_reports.py [--count N] [--clients C]

The issue asks for N = 100,000 (the default); at ~50 events/s on a 2-CPU shared machine that
is over half an hour, so ``--count 10000`` is the everyday run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from harness import Endpoints, Run, cpu_seconds, find_endpoints, percentile, run_topics
from sqlalchemy import column, func, insert, select, table

from trainyard_common.contracts import RegistrationSource, UserRegistered
from trainyard_common.db.engine import make_engine
from trainyard_common.messaging.admin import topic_partitions
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import LOG_DIR, ServiceProcess

# Self-contained on purpose: run as ``python bench/directory_reports.py`` this file's directory
# comes first on sys.path, where this very file shadows the ``client_directory`` package, so
# neither that package nor bench/registrations.py (which imports it) can be imported here.
# The service's tables are named, not imported: the bench reads them as a measuring tool.
learners = table("learners", column("customer_id"), column("client_id"), column("assigned_at"))
report_progress = table(
    "report_progress",
    *(column(c) for c in ("progress_id", "customer_id", "item_type", "status", "recorded_at", "completed_at")),
)
report_orders = table(
    "report_orders", *(column(c) for c in ("order_id", "customer_id", "total", "currency", "completed_at"))
)

SOURCE = "/trainyard/customer-account"
POLL_SECONDS = 0.5
STALL_SECONDS = 120.0
REPORT_SAMPLES = 100
Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


# --------------------------------------------------------------------------- set-up


# --------------------------------------------------------------------------- mapping


def client_domain(run: Run, index: int) -> str:
    return f"c{index}-{run.id}.example"


def client_alias(run: Run, index: int) -> str:
    return f"Org {index} {run.id}"


def create_clients(directory: ServiceProcess, run: Run, count: int) -> None:
    with httpx.Client(base_url=directory.url, timeout=30) as http:
        for index in range(count):
            body = {
                "name": f"Bench client {index} {run.id}",
                "industry": "Technology",
                "email_domains": [client_domain(run, index)],
                "aliases": [client_alias(run, index)],
            }
            http.post("/v1/clients", json=body).raise_for_status()


def registration(run: Run, index: int, clients: int) -> Message:
    """Learner ``index``: 80 % by domain, 10 % by sub-domain, 10 % by alias."""
    target = index % clients
    email, organization = f"learner{index}@{client_domain(run, target)}", None
    if index % 10 == 8:
        email = f"learner{index}@mail.{client_domain(run, target)}"
    elif index % 10 == 9:
        email, organization = f"learner{index}@freemail-{run.id}.example", client_alias(run, target).upper()
    event = UserRegistered(
        customer_id=uuid.uuid4(),
        email=email,
        first_name="Bench",
        last_name=f"Learner {index}",
        organization=organization,
        source=RegistrationSource.SELF_REGISTRATION,
        registered_at=datetime.now(UTC),
    )
    envelope = Envelope(event_type=event.event_type, source=SOURCE, subject=event.aggregate_id())
    return event.aggregate_id().encode(), event.model_dump_json().encode(), envelope.to_headers()


async def produce_burst(bootstrap: str, topic: str, messages: list[Message]) -> float:
    """Every message at once (idempotent, acks=all); returns perf_counter() at the first send."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        started = time.time()
        deliveries = [await producer.send(topic, value=v, key=k, headers=h) for k, v, h in messages]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return started


async def wait_mapped(database_url: str, count: int) -> tuple[float, float]:
    """Poll until ``count`` learners have a client; (first, last) ``assigned_at`` as epoch seconds."""
    engine = make_engine(database_url, pool_size=1)
    mapped_query = select(func.count()).select_from(learners).where(learners.c.client_id.is_not(None))
    seen, last_progress = -1, time.monotonic()
    try:
        async with engine.connect() as conn:
            while True:
                mapped = int(await conn.scalar(mapped_query) or 0)
                await conn.rollback()
                if mapped >= count:
                    row = (
                        await conn.execute(select(func.min(learners.c.assigned_at), func.max(learners.c.assigned_at)))
                    ).one()
                    return row[0].timestamp(), row[1].timestamp()
                if mapped > seen:
                    seen, last_progress = mapped, time.monotonic()
                elif time.monotonic() - last_progress > STALL_SECONDS:
                    raise TimeoutError(f"only {mapped}/{count} learners mapped; see {LOG_DIR}")
                await asyncio.sleep(POLL_SECONDS)
    finally:
        await engine.dispose()


async def add_report_facts(database_url: str) -> None:
    """One progress fact per learner, one order per two: so the report aggregates real rows."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            ids = list(await conn.scalars(select(learners.c.customer_id)))
            now = datetime.now(UTC)
            kinds = ("module", "course", "certification")
            progress = [
                {
                    "progress_id": uuid.uuid4(),
                    "customer_id": c,
                    "item_type": kinds[i % 3],
                    "status": "completed" if i % 2 else "in_progress",
                    "recorded_at": now,
                    "completed_at": now if i % 2 else None,
                }
                for i, c in enumerate(ids)
            ]
            orders = [
                {
                    "order_id": uuid.uuid4(),
                    "customer_id": c,
                    "total": Decimal("49.99"),
                    "currency": "USD",
                    "completed_at": now,
                }
                for c in ids[::2]
            ]
            for start in range(0, len(ids), 5000):
                await conn.execute(insert(report_progress), progress[start : start + 5000])
                if orders[start // 2 : (start + 5000) // 2]:
                    await conn.execute(insert(report_orders), orders[start // 2 : (start + 5000) // 2])
    finally:
        await engine.dispose()


def time_reports(directory: ServiceProcess, clients: int) -> dict[str, list[float]]:
    """Milliseconds per report request: the whole report, and one client's."""
    timings: dict[str, list[float]] = {"all": [], "one": []}
    with httpx.Client(base_url=directory.url, timeout=60) as http:
        some_client = http.get("/v1/clients", params={"limit": 1}).json()["items"][0]["id"]
        for name, params in (("all", {"limit": min(clients, 1000)}), ("one", {"client_id": some_client})):
            http.get("/v1/reports/clients", params=params).raise_for_status()  # warm-up
            for _ in range(REPORT_SAMPLES):
                started = time.perf_counter()
                http.get("/v1/reports/clients", params=params).raise_for_status()
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings


async def raw_consume(bootstrap: str, topic: str, count: int) -> float:
    """A bare consumer reads the same topic from the beginning (partitions assigned up front, so
    the clock runs only while records are fetched): msgs/s."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        received, started = 0, time.perf_counter()
        while received < count:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            received += sum(len(records) for records in batch.values())
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class Results:
    count: int
    clients: int
    throughput: float
    mapping_rate: float
    raw_consume: float
    reports: dict[str, list[float]]
    cpu: float
    wall: float


def measure(endpoints: Endpoints, run: Run, database_url: str, count: int, clients: int) -> Results:
    topic = run.topic_prefix + UserRegistered.topic()
    directory = ServiceProcess(
        "client_directory",
        {
            "TRAINYARD_KAFKA_BOOTSTRAP": endpoints.kafka,
            "TRAINYARD_TOPIC_PREFIX": run.topic_prefix,
            "TRAINYARD_ENVIRONMENT": "test",
            "TRAINYARD_LOG_LEVEL": "WARNING",
            "TRAINYARD_DATABASE_URL": database_url,
        },
    )
    directory.start()
    try:
        directory.wait_ready()
        print(f"creating {clients} clients …", flush=True)
        create_clients(directory, run, clients)
        messages = [registration(run, i, clients) for i in range(count)]
        pid = directory.process.pid if directory.process else -1
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        print(f"producing {count} UserRegistered and waiting until every learner is mapped …", flush=True)
        started = asyncio.run(produce_burst(endpoints.kafka, topic, messages))
        first, last = asyncio.run(wait_mapped(database_url, count))
        cpu, wall = cpu_seconds(pid) - cpu_before, time.monotonic() - wall_before
        print("report query timings …", flush=True)
        asyncio.run(add_report_facts(database_url))
        reports = time_reports(directory, clients)
    finally:
        directory.stop()
    print("raw consume of the same topic …", flush=True)
    raw = asyncio.run(raw_consume(endpoints.kafka, topic, count))
    return Results(count, clients, count / (last - started), count / max(last - first, 1e-9), raw, reports, cpu, wall)


def summary(results: Results) -> str:
    def line(name: str) -> str:
        values = sorted(results.reports[name])
        return (
            f"p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms, "
            f"p99 {percentile(values, 99):.0f} ms ({len(values)} requests)"
        )

    return "\n".join(
        [
            "",
            "=" * 100,
            f"UserRegistered replayed: {results.count}  clients: {results.clients}  "
            "(80 % domain, 10 % sub-domain, 10 % alias)",
            f"first produce → every learner mapped: {results.throughput:.0f} events/s",
            f"client-directory mapping rate (first → last learner mapped): {results.mapping_rate:.0f} events/s",
            f"raw aiokafka consume of the same topic, same run: {results.raw_consume:.0f} msgs/s",
            f"ratio mapping / raw consume: {100 * results.mapping_rate / results.raw_consume:.2f} %",
            f"report, all {min(results.clients, 1000)} clients, {results.count} learners: {line('all')}",
            f"report, one client: {line('one')}",
            f"client-directory CPU while mapping: {results.cpu:.1f} s over {results.wall:.1f} s wall "
            f"({os.cpu_count()} CPUs)",
            "=" * 100,
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=100_000, help="UserRegistered events (default 100000)")
    parser.add_argument("--clients", type=int, default=1_000, help="clients (default 1000)")
    args = parser.parse_args(argv)
    if args.count < 2 or args.clients < 1:
        parser.error("--count must be ≥ 2 and --clients ≥ 1")

    endpoints = find_endpoints()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    run = Run(uuid.uuid4().hex[:10])
    database_url = create_database(endpoints.pg_url, "bench_dir")
    try:
        with run_topics(endpoints.kafka, run):
            results = measure(endpoints, run, database_url, args.count, args.clients)
    finally:
        drop_database(database_url)
    print(summary(results))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
