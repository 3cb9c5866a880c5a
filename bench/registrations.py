"""Registrations per second through the real system, against what the bare infrastructure does.

What is measured, in one run on one machine:

1. **End to end.** customer-account and client-directory run as real processes (``python -m``,
   each with a fresh database) on the shared Kafka broker, under a topic prefix of their own
   (``TRAINYARD_TOPIC_PREFIX=bench-<run>.``: fresh topics, so no older message delays or
   pollutes the run; they are deleted afterwards). This process pushes N registrations
   through customer-account's own write path, ``register_customer`` on a ``CustomerUnitOfWork``
   (customer row + outbox row, one transaction per registration, C concurrent workers), and
   notes the wall-clock time right after each commit. customer-account's outbox relay publishes
   the ``UserRegistered`` events; client-directory consumes them (idempotent consumer: claim +
   learner + mapping + its own outbox, one transaction per event) and maps each learner to the
   client owning the run's unique e-mail domain. Latency per customer is client-directory's
   ``learners.assigned_at`` minus the commit time (same machine clock); throughput is
   N / (last ``assigned_at`` - first commit).
   Password hashing is excluded: argon2id costs tens of ms of CPU per hash, which would measure
   argon2, not the event pipeline, so every registration reuses one precomputed hash.
2. **Raw Kafka.** The same N payloads (``UserRegistered`` JSON + CloudEvents headers, built as
   the outbox builds them) produced by a bare idempotent ``acks=all`` aiokafka producer to a
   fresh 3-partition topic and consumed by a bare consumer group: the broker's ceiling for this
   traffic shape on this machine.
3. **Raw PostgreSQL.** N single-row INSERT transactions with the same concurrency into a
   scratch table: the database's ceiling for one-commit-per-event work.

The ratios say how much of the infrastructure's capacity the reliability machinery (outbox,
relay, idempotent consumer, per-event transactions) leaves for registrations, and which side
limits it. Nothing here is a test: it asserts nothing beyond "every learner arrived".

Run with the local infrastructure up (``bash deploy/local/infra.sh up``)::

    uv run python bench/registrations.py [--count N] [--concurrency C]

or ``make bench`` (starts the infrastructure if needed). ``bench/README.md`` explains the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from harness import PARTITIONS, Endpoints, Run, delete_quietly, find_endpoints, percentile, run_topics
from sqlalchemy import Column, MetaData, Table, Text, Uuid, func, insert, select

from client_directory.adapters.tables import learners
from customer_account.adapters.passwords import hash_password
from customer_account.bootstrap import NAME as CUSTOMER_ACCOUNT
from customer_account.domain.customer import Customer
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import RegistrationSource, UserRegistered
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.topics import DAY_MS, TopicSpec
from trainyard_common.messaging.topics_cli import ensure_topics
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import LOG_DIR, ServiceProcess

SOURCE = f"/trainyard/{CUSTOMER_ACCOUNT}"
DIRECTORY_GROUP = "client-directory"  # client-directory's consumer group: its service name, not prefixed
POLL_SECONDS = 0.2
STALL_SECONDS = 120.0  # give up when no progress for this long


# --------------------------------------------------------------------------- set-up


@dataclass(frozen=True, slots=True)
class Databases:
    customer_account: str
    client_directory: str

    @classmethod
    def create(cls, pg_url: str) -> Databases:
        return cls(create_database(pg_url, "bench_cust"), create_database(pg_url, "bench_dir"))

    def drop(self) -> None:
        drop_database(self.customer_account)
        drop_database(self.client_directory)


@dataclass(frozen=True, slots=True)
class Services:
    customer_account: ServiceProcess
    client_directory: ServiceProcess


@contextlib.contextmanager
def running_services(endpoints: Endpoints, databases: Databases, run: Run) -> Iterator[Services]:
    """Both services as real processes; stopped (SIGTERM) on the way out."""
    common = {
        "TRAINYARD_KAFKA_BOOTSTRAP": endpoints.kafka,
        "TRAINYARD_TOPIC_PREFIX": run.topic_prefix,
        "TRAINYARD_ENVIRONMENT": "test",
        "TRAINYARD_LOG_LEVEL": "WARNING",
        "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2",
    }
    services = Services(
        # Registrations are committed by this process, so nothing nudges the service's relay:
        # it finds the outbox rows by polling, every 50 ms instead of the default 500 ms.
        ServiceProcess(
            "customer_account",
            {
                **common,
                "TRAINYARD_DATABASE_URL": databases.customer_account,
                "TRAINYARD_OUTBOX_POLL_SECONDS": "0.05",
            },
        ),
        ServiceProcess("client_directory", {**common, "TRAINYARD_DATABASE_URL": databases.client_directory}),
    )
    processes = [services.customer_account, services.client_directory]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready()
        yield services
    finally:
        for process in processes:
            process.stop()


def rebalances(process: ServiceProcess) -> int:
    """Rebalances of client-directory's consumer group during the run.

    The group is named after the service, whatever the topic prefix, so another client-directory
    starting or stopping on this broker (an e2e test run, ``make up``) makes ours pause and rejoin
    even though it reads other topics.
    """
    log = LOG_DIR / f"{process.package}-{process.port}.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("assigned to partitions") - 1


def create_client(directory: ServiceProcess, domain: str) -> uuid.UUID:
    """A client owning the run's domain, through client-directory's internal HTTP API."""
    body = {"name": f"Bench {domain}", "industry": "Technology", "email_domains": [domain], "aliases": []}
    response = httpx.post(f"{directory.url}/v1/clients", json=body, timeout=10)
    response.raise_for_status()
    return uuid.UUID(response.json()["id"])


# --------------------------------------------------------------------------- CPU accounting


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (Linux /proc), or of this process when ``pid`` is None."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds each party spent during the end-to-end window, and that window's length."""

    wall: float
    bench: float
    customer_account: float
    client_directory: float


@contextlib.contextmanager
def cpu_window(services: Services) -> Iterator[list[CpuUse]]:
    pids = [p.process.pid if p.process else -1 for p in (services.customer_account, services.client_directory)]

    def snapshot() -> tuple[float, ...]:
        return (time.monotonic(), cpu_seconds(), *(cpu_seconds(pid) for pid in pids))

    out: list[CpuUse] = []
    before = snapshot()
    yield out
    out.append(CpuUse(*(b - a for a, b in zip(before, snapshot(), strict=True))))


# --------------------------------------------------------------------------- end to end


@dataclass(frozen=True, slots=True)
class Registered:
    customer: Customer
    committed_at: float  # time.time() right after the commit


def command(index: int, domain: str, password_hash: str) -> RegisterCustomer:
    return RegisterCustomer(
        first_name="Bench",
        last_name=f"Learner {index}",
        email=f"learner{index}@{domain}",
        password_hash=password_hash,
        organization=None,
    )


async def run_concurrently(count: int, concurrency: int, work: Callable[[int], Awaitable[None]]) -> None:
    """``work(0..count-1)`` on ``concurrency`` workers pulling from one shared iterator."""
    indices = iter(range(count))

    async def worker() -> None:
        for index in indices:
            await work(index)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def push_registrations(database_url: str, domain: str, count: int, concurrency: int) -> list[Registered]:
    """customer-account's write path, in this process: one transaction per registration."""
    password_hash = hash_password("bench-password-not-secret")  # once: hashing is not what we measure
    engine = make_engine(database_url, pool_size=concurrency)
    session_factory = make_session_factory(engine)
    registered: list[Registered] = []

    async def register(index: int) -> None:
        stamp: list[float] = []
        # The unit of work calls after_commit right after the commit: the moment we time from.
        uow = CustomerUnitOfWork(session_factory, source=SOURCE, after_commit=lambda: stamp.append(time.time()))
        async with uow:
            customer = await register_customer(uow, command(index, domain, password_hash))
        registered.append(Registered(customer, stamp[0]))

    try:
        await run_concurrently(count, concurrency, register)
    finally:
        await engine.dispose()
    return registered


async def wait_for_learners(
    database_url: str, domain: str, client_id: uuid.UUID, count: int
) -> dict[uuid.UUID, datetime]:
    """Poll client-directory's own table until every learner of this run is mapped."""
    engine = make_engine(database_url, pool_size=1)
    ours = (
        learners.c.email.endswith(f"@{domain}"),
        learners.c.client_id == client_id,
        learners.c.assigned_at.is_not(None),
    )
    seen, last_progress = -1, time.monotonic()
    try:
        async with engine.connect() as conn:
            while True:
                mapped = await conn.scalar(select(func.count()).select_from(learners).where(*ours)) or 0
                await conn.rollback()  # a fresh snapshot for the next poll
                if mapped >= count:
                    rows = await conn.execute(select(learners.c.customer_id, learners.c.assigned_at).where(*ours))
                    return {row.customer_id: row.assigned_at for row in rows}
                if mapped > seen:
                    seen, last_progress = mapped, time.monotonic()
                elif time.monotonic() - last_progress > STALL_SECONDS:
                    raise TimeoutError(
                        f"only {mapped}/{count} learners mapped, no progress for {STALL_SECONDS:.0f}s; "
                        f"see the services' logs in {LOG_DIR}"
                    )
                await asyncio.sleep(POLL_SECONDS)
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class EndToEnd:
    count: int
    commit_rate: float  # registrations/s committed by the write path (the offered load)
    throughput: float  # events/s, first commit → last learner mapped
    mapping_rate: float  # learners/s mapped by client-directory, first → last assigned_at
    latencies_ms: list[float]


def end_to_end_figures(registered: list[Registered], assigned: dict[uuid.UUID, datetime]) -> EndToEnd:
    commits = {r.customer.id: r.committed_at for r in registered}
    latencies = [(assigned[cid].timestamp() - committed) * 1000 for cid, committed in commits.items()]
    first_commit, last_commit = min(commits.values()), max(commits.values())
    first_assigned = min(a.timestamp() for a in assigned.values())
    last_assigned = max(a.timestamp() for a in assigned.values())
    return EndToEnd(
        count=len(registered),
        commit_rate=len(registered) / max(last_commit - first_commit, 1e-9),
        throughput=len(registered) / (last_assigned - first_commit),
        mapping_rate=len(registered) / max(last_assigned - first_assigned, 1e-9),
        latencies_ms=latencies,
    )


# --------------------------------------------------------------------------- raw baselines

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


def outbox_message(customer: Customer) -> Message:
    """The Kafka record the outbox relay would send for this customer's registration."""
    event = UserRegistered(
        customer_id=customer.id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        organization=customer.organization,
        source=RegistrationSource.SELF_REGISTRATION,
        registered_at=customer.created_at,
    )
    envelope = Envelope(
        event_type=event.event_type,
        source=SOURCE,
        schema_version=event.schema_version,
        subject=event.aggregate_id(),
    )
    return event.aggregate_id().encode(), event.model_dump_json().encode(), envelope.to_headers()


@dataclass(frozen=True, slots=True)
class RawKafka:
    produce_rate: float  # msgs/s, first send → last ack
    throughput: float  # msgs/s, first send → last consumed


async def raw_kafka(bootstrap: str, messages: list[Message]) -> RawKafka:
    """Bare aiokafka, same broker, same payloads: produce to a fresh topic while a group consumes it."""
    run = uuid.uuid4().hex
    topic = f"bench-raw-{run}"
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions=PARTITIONS, retention_ms=DAY_MS)])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-raw-{run}", auto_offset_reset="earliest"
    )
    # Same settings as the outbox relay's producer (trainyard_common.messaging.producer).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():  # join the group before the clock starts
            await consumer.getmany(timeout_ms=100)
        started = time.perf_counter()
        consumed = asyncio.create_task(consume_all(consumer, len(messages)))
        deliveries = [await producer.send(topic, value=v, key=k, headers=h) for k, v, h in messages]
        await asyncio.gather(*deliveries)
        produced = time.perf_counter()
        finished = await asyncio.wait_for(consumed, STALL_SECONDS)
    finally:
        await producer.stop()
        await consumer.stop()
        await delete_quietly(bootstrap, [topic])
    return RawKafka(len(messages) / (produced - started), len(messages) / (finished - started))


async def consume_all(consumer: AIOKafkaConsumer, count: int) -> float:
    """Read until ``count`` records arrived; return the perf_counter time of the last one."""
    received = 0
    while received < count:
        batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
        received += sum(len(records) for records in batch.values())
    return time.perf_counter()


scratch = Table("bench_raw_insert", MetaData(), Column("id", Uuid, primary_key=True), Column("payload", Text))


async def raw_postgres(database_url: str, payloads: list[str], concurrency: int) -> float:
    """N single-row INSERT transactions, ``concurrency`` at a time; rows/s."""
    engine = make_engine(database_url, pool_size=concurrency)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(scratch.metadata.create_all)

        async def insert_one(index: int) -> None:
            async with engine.begin() as conn:
                await conn.execute(insert(scratch).values(id=uuid.uuid4(), payload=payloads[index]))

        started = time.perf_counter()
        await run_concurrently(len(payloads), concurrency, insert_one)
        return len(payloads) / (time.perf_counter() - started)
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Results:
    concurrency: int
    end_to_end: EndToEnd
    raw_kafka: RawKafka
    raw_postgres: float
    cpu: CpuUse
    rebalances: int


def summary(results: Results) -> str:
    e2e, kafka, cpu = results.end_to_end, results.raw_kafka, results.cpu
    lat = sorted(e2e.latencies_ms)
    return "\n".join(
        [
            "",
            "=" * 100,
            f"registrations: {e2e.count}  concurrency: {results.concurrency}  (argon2 excluded: one precomputed hash)",
            f"customer-account write path (customer + outbox row, one commit each): {e2e.commit_rate:.0f} commits/s",
            "end-to-end (commit in customer-account → learner mapped in client-directory): "
            f"{e2e.throughput:.0f} events/s; latency p50 {percentile(lat, 50):.0f} ms, "
            f"p95 {percentile(lat, 95):.0f} ms, p99 {percentile(lat, 99):.0f} ms, max {lat[-1]:.0f} ms",
            f"raw aiokafka produce+consume, same payloads, same broker: {kafka.throughput:.0f} msgs/s "
            f"(produce alone, acks=all idempotent: {kafka.produce_rate:.0f} msgs/s)",
            f"ratio end-to-end / raw Kafka: {100 * e2e.throughput / kafka.throughput:.1f} %",
            f"raw PostgreSQL single-row commits ({results.concurrency} concurrent): "
            f"{results.raw_postgres:.0f} rows/s; ratio end-to-end / raw PostgreSQL: "
            f"{100 * e2e.throughput / results.raw_postgres:.1f} %",
            f"client-directory mapping rate (first → last learner mapped): {e2e.mapping_rate:.0f} learners/s",
            f"CPU during the end-to-end window ({cpu.wall:.1f} s wall, {os.cpu_count()} CPUs): "
            f"bench writers {cpu.bench:.1f} s, customer-account (relay) {cpu.customer_account:.1f} s, "
            f"client-directory {cpu.client_directory:.1f} s",
            *(
                [
                    f"WARNING: consumer group {DIRECTORY_GROUP!r} rebalanced {results.rebalances} time(s) during the "
                    "run (another client-directory on this broker started or stopped, e.g. an e2e test): "
                    "the consumer paused meanwhile, figures disturbed; run again"
                ]
                if results.rebalances > 0
                else []
            ),
            "=" * 100,
        ]
    )


# --------------------------------------------------------------------------- main


def measure(endpoints: Endpoints, databases: Databases, run: Run, count: int, concurrency: int) -> Results:
    domain = run.domain
    with running_services(endpoints, databases, run) as services:
        client_id = create_client(services.client_directory, domain)
        with cpu_window(services) as cpu:
            print(f"pushing {count} registrations @{domain} with {concurrency} workers …", flush=True)
            registered = asyncio.run(push_registrations(databases.customer_account, domain, count, concurrency))
            print("waiting for client-directory to map them …", flush=True)
            assigned = asyncio.run(wait_for_learners(databases.client_directory, domain, client_id, count))
        rebalanced = rebalances(services.client_directory)
    e2e = end_to_end_figures(registered, assigned)
    # Baselines after the services stopped, so they compete with nothing of ours.
    messages = [outbox_message(r.customer) for r in registered]
    print("raw Kafka baseline …", flush=True)
    kafka = asyncio.run(raw_kafka(endpoints.kafka, messages))
    print("raw PostgreSQL baseline …", flush=True)
    pg = asyncio.run(raw_postgres(databases.customer_account, [v.decode() for _, v, _ in messages], concurrency))
    return Results(concurrency, e2e, kafka, pg, cpu[0], rebalanced)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=10_000, help="registrations (default 10000)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent writers (default 8)")
    args = parser.parse_args(argv)
    if args.count < 2 or args.concurrency < 1:
        parser.error("--count must be ≥ 2 and --concurrency ≥ 1")

    endpoints = find_endpoints()
    started = datetime.now(UTC)
    print(f"{started:%Y-%m-%d %H:%M:%S} UTC  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    run = Run.new()
    databases = Databases.create(endpoints.pg_url)
    try:
        with run_topics(endpoints.kafka, run):
            results = measure(endpoints, databases, run, args.count, args.concurrency)
    finally:
        databases.drop()
    print(summary(results))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
