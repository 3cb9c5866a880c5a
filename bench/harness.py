"""What every benchmark here needs: the infrastructure's endpoints, a run's own topic namespace and
databases, services as processes, CPU accounting, percentiles, polling a service's tables — and
the raw limits each figure is compared with, measured in the same run:

* **Kafka, tuned as aiokafka's documentation suggests**: an idempotent ``acks=all`` producer with
  ``linger_ms=5`` and 256 KiB batches, every record sent before any delivery is awaited (with the
  default 16 KiB batches ``send()`` waits for a round trip every ~30 of our records per
  partition), and a plain ``getmany(max_records=…)`` loop reading the topic back. Same records
  as the system sends (``UserRegistered`` JSON + CloudEvents headers), fresh 3-partition topic.
  This is what a user writing a plain loop gets; the system's figures are printed as a share of it.
* **PostgreSQL COPY** by psycopg of the same rows into plain tables.

Benchmarks run as scripts (``uv run python bench/<name>.py``), so this module is imported as
``harness`` from the scripts' own folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import os
import secrets
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from customer_account.adapters.imports import (
    IMPORT_EVENTS,
    SealedRow,
    insert_staged_customers,
    record_staged,
    stage_rows,
)
from customer_account.adapters.passwords import hash_password
from customer_account.bootstrap import NAME as CUSTOMER_ACCOUNT
from customer_account.domain.actors import SYSTEM
from customer_account.domain.customer import Customer, new_customer, now
from customer_account.domain.imports import CheckedRow
from customer_account.service_layer.imports import sealed_row
from customer_account.service_layer.registration import registered_event
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts.base import Event
from trainyard_common.db.bulk import outbox_params
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.topics import DAY_MS, TopicSpec, all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.passwords.hashing import PasswordHashCost
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import LOG_DIR, ServiceProcess
from trainyard_common.testing.sealed_events import TEST_KEY
from trainyard_common.testing.system import System, running_system
from trainyard_common.vocabulary import RegistrationSource

REPO_ROOT = Path(__file__).resolve().parents[1]
INFRA_ENV = REPO_ROOT / ".cache" / "infra.env"
PARTITIONS = 3
CUSTOMER_ACCOUNT_SOURCE = f"/trainyard/{CUSTOMER_ACCOUNT}"
STALL_SECONDS = 120.0  # a wait gives up after this long without progress


# --------------------------------------------------------------------------- infrastructure, run


@dataclass(frozen=True, slots=True)
class Endpoints:
    kafka: str
    pg_url: str


def find_endpoints() -> Endpoints:
    """From the environment, else from the file ``deploy/local/infra.sh up`` writes."""
    values = {k: v for k, v in os.environ.items() if k.startswith("TRAINYARD_")}
    if INFRA_ENV.exists():
        for line in INFRA_ENV.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            values.setdefault(key.strip(), value.strip())
    try:
        return Endpoints(values["TRAINYARD_KAFKA_BOOTSTRAP"], values["TRAINYARD_PG_URL"])
    except KeyError:
        raise SystemExit("no infrastructure: run `bash deploy/local/infra.sh up` first") from None


@dataclass(frozen=True, slots=True)
class Run:
    """This run's own names: topic namespace and e-mail domain (only its data is counted)."""

    id: str

    @classmethod
    def new(cls) -> Run:
        return cls(uuid.uuid4().hex[:10])

    @property
    def topic_prefix(self) -> str:
        return f"bench-{self.id}."

    @property
    def domain(self) -> str:
        return f"bench-{self.id}.example"

    def topic(self, event_type: type[Event]) -> str:
        return self.topic_prefix + event_type.topic()

    def topics(self) -> list[TopicSpec]:
        return all_topics(partitions=PARTITIONS, prefix=self.topic_prefix)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_times() -> list[int]:
    """The machine's CPU time so far by kind (``/proc/stat``: user, nice, system, idle, iowait, irq,
    softirq, steal, …; in ticks); empty where there is no ``/proc``."""
    try:
        with open("/proc/stat") as stat:
            return [int(ticks) for ticks in stat.readline().split()[1:]]
    except OSError:
        return []


_STARTED_AT = cpu_times()
_STEAL = 7


def run_header() -> str:
    """Printed first by every script: when, and how busy the shared machine already was."""
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC  {os.cpu_count()} CPUs  load average: {load_average()}"


def run_footer() -> str:
    """Printed last: the share of the machine's CPU time the hypervisor gave to other guests during
    the run (steal). This machine is a shared VM: seen from 2 % to 30 % in one afternoon, and the
    figures of a run move with it, so each run says what it had."""
    now = cpu_times()
    spent = [after - before for after, before in zip(now, _STARTED_AT, strict=False)]
    if len(spent) <= _STEAL or sum(spent) == 0:
        return "CPU time taken by the hypervisor (steal): unknown here"
    return f"CPU time taken by the hypervisor during this run (steal): {100 * spent[_STEAL] / sum(spent):.0f} %"


@contextlib.contextmanager
def run_topics(bootstrap: str, run: Run) -> Iterator[None]:
    """Every declared topic under the run's prefix, deleted afterwards."""
    specs = run.topics()
    asyncio.run(ensure_topics(bootstrap, specs))
    try:
        yield
    finally:
        asyncio.run(delete_quietly(bootstrap, [s.name for s in specs]))


async def delete_quietly(bootstrap: str, names: list[str]) -> None:
    try:
        await delete_topics(bootstrap, names)
    except Exception as exc:
        print(f"(could not delete {len(names)} bench topic(s): {exc!r})")


def checkpoint(pg_url: str) -> None:
    """PostgreSQL's dirty pages written now (CHECKPOINT), so that what earlier rounds wrote (and the
    databases they dropped) is not flushed inside the next round's clock. Needs a superuser or
    ``pg_checkpoint``; refused, the round goes on without it and says so."""
    try:
        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        print("(no CHECKPOINT before the round: the bench's database user may not)", flush=True)


@contextlib.contextmanager
def fresh_databases(pg_url: str, *prefixes: str) -> Iterator[list[str]]:
    """One empty database per prefix (their URLs, in order), dropped afterwards."""
    urls: list[str] = []
    try:
        for prefix in prefixes:
            urls.append(create_database(pg_url, prefix))
        yield urls
    finally:
        for url in urls:
            drop_database(url)


# --------------------------------------------------------------------------- services as processes


def service_process(package: str, endpoints: Endpoints, run: Run, database_url: str, **env: str) -> ServiceProcess:
    """``python -m <package>`` on the run's topics and its own database, logging warnings only
    (at thousands of events a second anything chattier measures the logger)."""
    return ServiceProcess(
        package,
        {
            "TRAINYARD_KAFKA_BOOTSTRAP": endpoints.kafka,
            "TRAINYARD_TOPIC_PREFIX": run.topic_prefix,
            "TRAINYARD_ENVIRONMENT": "test",
            "TRAINYARD_LOG_LEVEL": "WARNING",
            "TRAINYARD_DATABASE_URL": database_url,
            **env,
        },
    )


@contextlib.contextmanager
def running(*processes: ServiceProcess) -> Iterator[None]:
    """Start every process, wait until all answer ``/readyz``; SIGTERM them on the way out."""
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready()
        yield
    finally:
        for process in processes:
            process.stop()


def pid_of(process: ServiceProcess) -> int:
    if process.process is None:
        raise RuntimeError(f"{process.package} is not running; see {LOG_DIR}")
    return process.process.pid


def create_client(directory: ServiceProcess, name: str, domains: list[str], aliases: Sequence[str] = ()) -> uuid.UUID:
    """A client through client-directory's internal HTTP API (as an admin would create it)."""
    body = {"name": name, "industry": "Technology", "email_domains": domains, "aliases": list(aliases)}
    response = directory.signed(timeout=30).post("/v1/clients", json=body)
    response.raise_for_status()
    return uuid.UUID(response.json()["id"])


@contextlib.contextmanager
def benchmarked_system(
    endpoints: Endpoints, run: Run, *, service_env: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[System]:
    """The whole system as processes on the run's own topics (deleted afterwards), logging warnings only."""
    with (
        run_topics(endpoints.kafka, run),
        running_system(
            endpoints.pg_url,
            endpoints.kafka,
            run.topic_prefix,
            admin_username="bench-admin",
            admin_password=secrets.token_urlsafe(16),
            common_env={"TRAINYARD_LOG_LEVEL": "WARNING"},
            service_env=service_env,
            password_hash_cost=PasswordHashCost.RFC_9106_LOW_MEMORY,  # production's, as measured
        ) as system,
    ):
        yield system


# --------------------------------------------------------------------------- CPU and memory

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (Linux /proc), or of this process when ``pid`` is None."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling since boot (first line of /proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _CLOCK_TICKS  # minus idle and iowait


def _server_pids() -> dict[str, list[int]]:
    """The shared servers' processes: the Kafka broker (a JVM running kafka.Kafka) and every
    PostgreSQL process (one per connection, plus its background workers)."""
    found: dict[str, list[int]] = {"Kafka broker": [], "PostgreSQL": []}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            if comm == "postgres":
                found["PostgreSQL"].append(int(entry.name))
            elif comm == "java" and b"kafka.Kafka" in (entry / "cmdline").read_bytes():
                found["Kafka broker"].append(int(entry.name))
        except OSError:
            continue
    return found


@dataclass(frozen=True, slots=True)
class CpuUse:
    wall: float
    processes: dict[str, float]
    machine_busy: float

    def line(self, events: int | None = None, unit: str = "event") -> str:
        """``events``: also give each process's CPU per event (what bounds a process's rate);
        ``unit`` names what was counted (``µs/<unit>``)."""
        cpus = os.cpu_count() or 1
        parts = ", ".join(
            f"{name} {seconds:.1f} s" + (f" ({seconds / events * 1e6:.0f} µs/{unit})" if events else "")
            for name, seconds in self.processes.items()
        )
        listed = sum(self.processes.values())
        return (
            f"CPU over the {self.wall:.1f} s window ({cpus} CPUs: {cpus * self.wall:.1f} CPU-s; whole machine busy "
            f"{self.machine_busy:.1f}, these processes {listed:.1f}, the rest is other work): {parts}"
        )


class CpuMeter:
    """CPU seconds per process between ``start()`` and ``stop()``: the given ones (pid None: this
    process), plus the Kafka broker and the PostgreSQL server. Those two are shared, so their
    figures include whatever else used them meanwhile (other engineers' test runs)."""

    def __init__(self, processes: Mapping[str, int | None]) -> None:
        self._processes = dict(processes)
        self._before: dict[int | None, float] = {}
        self._started = 0.0
        self._machine = 0.0

    def _sample(self) -> tuple[dict[int | None, float], dict[str, list[int]]]:
        servers = _server_pids()
        pids: list[int | None] = [*self._processes.values(), *(p for ps in servers.values() for p in ps)]
        return {pid: cpu_seconds(pid) for pid in pids}, servers

    def start(self) -> CpuMeter:
        self._before, _ = self._sample()
        self._machine, self._started = _machine_busy_seconds(), time.monotonic()
        return self

    def stop(self) -> CpuUse:
        after, servers = self._sample()
        wall, machine = time.monotonic() - self._started, _machine_busy_seconds() - self._machine

        def used(pid: int | None) -> float:
            # A server process born during the window counts from zero; one that ended meanwhile
            # (its /proc entry gone: NaN) is lost, which only PostgreSQL's short-lived backends do.
            spent = after[pid] - self._before.get(pid, 0.0)
            return 0.0 if math.isnan(spent) else spent

        named = {name: used(pid) for name, pid in self._processes.items()}
        shared = {f"{name} (shared)": sum(used(p) for p in pids) for name, pids in servers.items() if pids}
        return CpuUse(wall, {**named, **shared}, machine)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class ClosedLoop:
    """What ``closed_loop`` saw: the wall time, each request's latency and the failed ones."""

    seconds: float
    latencies_ms: list[float]
    failures: int


async def closed_loop(request: Callable[[], Awaitable[bool]], *, seconds: float, concurrency: int) -> ClosedLoop:
    """``concurrency`` workers each doing ``request()`` (True: it succeeded) back to back for ``seconds``."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = await request()
            latencies.append((time.perf_counter() - started) * 1000)
            failures += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ClosedLoop(time.perf_counter() - started, latencies, failures)


class RawConnection:
    """One HTTP/1.1 keep-alive connection speaking just enough of the protocol for a bench: it
    writes a request's bytes and reads the status and a ``Content-Length`` (or chunked) body. A
    few tens of µs a request: the load generator, on the system's own cores, is never the limit
    (an httpx client took ~1 ms of CPU a request)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, data: bytes) -> int:
        if self._writer is None or self._reader is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(data)
        status_line = await self._reader.readline()
        if not status_line:  # the server closed the idle connection: reconnect once
            self._reader = self._writer = None
            return await self.request(data)
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while (size := int((await self._reader.readline()).split(b";")[0], 16)) > 0:
                await self._reader.readexactly(size + 2)
            await self._reader.readline()
        elif length:
            await self._reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None


def percentile(sorted_values: list[float], p: int) -> float:
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[p - 1]


def latency_line(label: str, milliseconds: Iterable[float], unit: str = "events") -> str:
    values = sorted(milliseconds)
    return (
        f"{label}: p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
        f"p99 {percentile(values, 99):.1f} ms, max {values[-1]:.1f} ms ({len(values)} {unit})"
    )


def ratio(ours: float, raw: float) -> str:
    return f"{100 * ours / raw:.1f} %" if raw > 0 else "n/a"


# --------------------------------------------------------------------------- polling a service's tables


@dataclass
class Probe:
    """A count in a service's database that reaches ``target`` when a stage is done."""

    label: str
    database_url: str
    query: str  # one row, the count first
    params: tuple[Any, ...]
    target: int
    done_at: float | None = None  # time.time() when the poll that saw the target came back
    count: int = field(default=0)


async def wait_for_counts(probes: Sequence[Probe], *, poll: float = 0.2, fast_poll: float = 0.02) -> None:
    """Poll every probe until it reaches its target; fills in ``done_at``.

    ``done_at`` is taken when the poll that saw the target came back: the stage was complete by
    then — an upper bound on the completion time, late by at most one poll interval (plus the
    query). Near the end (≤ 5 % left) the interval shrinks to ``fast_poll``, so that bound stays
    tight without a 100,000-row count every 20 ms for the whole run. Each poll is its own
    autocommit transaction, so it sees everything committed before it.
    """
    connections = {p.label: await psycopg.AsyncConnection.connect(p.database_url, autocommit=True) for p in probes}
    progress_at, reported_at = time.monotonic(), time.monotonic()
    try:
        while pending := [p for p in probes if p.done_at is None]:
            for probe in pending:
                row = await (await connections[probe.label].execute(probe.query, probe.params)).fetchone()
                count = int(row[0] or 0) if row else 0
                if count > probe.count:
                    probe.count, progress_at = count, time.monotonic()
                if count >= probe.target:
                    probe.done_at = time.time()
            if time.monotonic() - reported_at > 10:
                print("  " + ", ".join(f"{p.label} {p.count}/{p.target}" for p in probes), flush=True)
                reported_at = time.monotonic()
            if time.monotonic() - progress_at > STALL_SECONDS:
                state = ", ".join(f"{p.label} {p.count}/{p.target}" for p in pending)
                raise TimeoutError(f"no progress for {STALL_SECONDS:.0f} s ({state}); see the logs in {LOG_DIR}")
            near_end = any(p.target - p.count <= max(p.target // 20, 1) for p in pending)
            await asyncio.sleep(fast_poll if near_end else poll)
    finally:
        for connection in connections.values():
            await connection.close()


def assignment_span(directory_db: str) -> tuple[float, float]:
    """First and last ``learners.assigned_at`` in client-directory's database, epoch seconds: the
    handler's own clock, stamped before its transaction commits."""
    query = "SELECT extract(epoch FROM min(assigned_at)), extract(epoch FROM max(assigned_at)) FROM learners"
    with psycopg.connect(directory_db) as conn:
        first, last = conn.execute(query).fetchone() or (None, None)
    if first is None or last is None:
        raise RuntimeError("no learner assigned in client-directory")
    return float(first), float(last)


# --------------------------------------------------------------------------- customer-account's write path


@functools.cache
def bench_password_hash() -> str:
    """One argon2id hash for every bench customer: argon2 costs tens of ms of CPU per hash by
    design, and these benchmarks measure the event pipeline, not password hashing."""
    return hash_password("bench-password-not-secret")


def bench_customers(domain: str, start: int, count: int) -> list[Customer]:
    """Customers ``learner<start>@domain`` … as customer-account's domain code builds them."""
    return [
        new_customer(
            first_name="Bench",
            last_name=f"Learner {index}",
            email=f"learner{index}@{domain}",
            password_hash=bench_password_hash(),
            organization=None,
        )
        for index in range(start, start + count)
    ]


async def write_registrations(uow: CustomerUnitOfWork, customers: Sequence[Customer], *, sealed: bool = True) -> None:
    """customer-account's bulk write path, inside ``uow``'s transaction (not committed): what its
    customer import writes for new customers (``customer_account.adapters.imports``) — the
    customers COPYed through the staging table (the unique e-mail index still decides), an
    activity entry and a ``UserRegistered`` (deprecated: personal fields empty) and a
    ``UserRegistered.v2`` each, built by PostgreSQL in one statement, the personal fields of the
    version 2 sealed in Python with each customer's key, created in this transaction (issue 16).
    ``sealed=False``: the version 2's personal fields written in clear and no key created — what
    the pipeline would carry without sealing (``bench/registrations.py``'s clear round).
    """
    rows = [(_as_import_row(n, c), c.id, c) for n, c in enumerate(customers, 1)]
    await stage_rows(uow.session, rows)
    inserted = await insert_staged_customers(uow.session)
    if len(inserted) != len(customers):
        raise RuntimeError(f"{len(customers) - len(inserted)} bench customer(s) already existed")
    at = now()
    if sealed:
        keys = await uow.keys.create_new([c.id for c in customers], at)  # as the import keys new customers
        rows = [sealed_row(n, c, keys[c.id]) for n, c in enumerate(customers, 1)]  # as the import seals
    else:
        rows = [_in_clear(n, c) for n, c in enumerate(customers, 1)]
    outbox = outbox_params(uow, IMPORT_EVENTS)
    await record_staged(
        uow.session, (), import_id=uuid.uuid4(), at=at, actor=SYSTEM, currency="USD", outbox=outbox, sealed=rows
    )


def _in_clear(number: int, customer: Customer) -> SealedRow:
    """The same row's personal fields as they are (the clear round)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return SealedRow(
        number, str(customer.email), text(customer.first_name), text(customer.last_name), text(customer.organization)
    )


def _as_import_row(number: int, customer: Customer) -> CheckedRow:
    """The checked import row that creates ``customer``: no password, group or product."""
    names = (str(customer.first_name), str(customer.last_name), str(customer.email))
    return CheckedRow(number, *names, password=None, group_id=None, price_id=None, cost=None)


# --------------------------------------------------------------------------- raw limits: Kafka

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers
RAW_BATCH_BYTES = 256 * 1024


def registration_messages(customers: Iterable[Customer], *, v1: bool = True) -> list[Message]:
    """The records the relay sends for each registration since issue 16: ``UserRegistered``
    (deprecated, its personal fields empty; left out when ``v1`` is false) then ``UserRegistered.v2``
    (sealed, here with the tests' key: the same sizes and sealing cost as a customer's own)."""
    messages = []
    for customer in customers:
        sealed = registered_event(customer, RegistrationSource.SELF_REGISTRATION, TEST_KEY)
        if v1:
            messages.append(relay_message(sealed.version_1()))
        messages.append(relay_message(sealed))
    return messages


def relay_message(event: Event, source: str = CUSTOMER_ACCOUNT_SOURCE) -> Message:
    """The record the outbox relay sends for ``event``: the aggregate id as key, the contract's
    JSON, the CloudEvents headers (``Envelope``: a fresh ``ce_id`` and time, no correlation id)."""
    envelope = Envelope(
        event_type=event.event_type, source=source, schema_version=event.schema_version, subject=event.aggregate_id()
    )
    return event.aggregate_id().encode(), event.model_dump_json().encode(), envelope.to_headers()


def tuned_producer(bootstrap: str) -> AIOKafkaProducer:
    """aiokafka's producer as its documentation suggests for throughput, with the relay's
    guarantees (idempotent, ``acks=all``). Batches of 256 KiB (default 16 KiB) so ``send()`` is
    not blocked by a full batch every ~30 records; requests may carry one batch per partition."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=RAW_BATCH_BYTES,
        max_request_size=(PARTITIONS + 1) * RAW_BATCH_BYTES,
    )


async def produce_all(bootstrap: str, topic: str, messages: Sequence[Message]) -> tuple[float, float]:
    """Send every message, then await every delivery: (time.time() at the first send, seconds to the last ack)."""
    producer = tuned_producer(bootstrap)
    await producer.start()
    try:
        started_at, started = time.time(), time.perf_counter()
        deliveries = [await producer.send(topic, value=v, key=k, headers=h) for k, v, h in messages]
        await asyncio.gather(*deliveries)
        return started_at, time.perf_counter() - started
    finally:
        await producer.stop()


async def consume_all(bootstrap: str, topic: str, count: int) -> float:
    """A plain ``getmany`` loop reading ``topic`` from the beginning until ``count`` records came:
    seconds from the first fetch. Partitions are assigned, not joined through a group, so the clock
    runs only while records are fetched. Records are not decoded: this is the fetch path's limit."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        received, started = 0, time.perf_counter()
        while received < count:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=200, max_records=10_000), STALL_SECONDS)
            received += sum(len(records) for records in batch.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class RawKafka:
    count: int
    produce_rate: float  # msgs/s, first send → last ack
    consume_rate: float  # msgs/s, first fetch → last record

    def line(self) -> str:
        return (
            f"raw Kafka, same records, fresh {PARTITIONS}-partition topic: tuned producer {self.produce_rate:.0f} "
            f"msgs/s, getmany consumer {self.consume_rate:.0f} msgs/s ({self.count} records)"
        )


async def raw_kafka(bootstrap: str, messages: Sequence[Message]) -> RawKafka:
    """The tuned producer and the getmany consumer on a topic of their own (deleted afterwards)."""
    topic = f"bench-raw-{uuid.uuid4().hex[:10]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions=PARTITIONS, retention_ms=DAY_MS)])
    try:
        _, produce_seconds = await produce_all(bootstrap, topic, messages)
        consume_seconds = await consume_all(bootstrap, topic, len(messages))
    finally:
        await delete_quietly(bootstrap, [topic])
    return RawKafka(len(messages), len(messages) / produce_seconds, len(messages) / consume_seconds)


# --------------------------------------------------------------------------- raw limits: PostgreSQL


@dataclass(frozen=True, slots=True)
class CopyTable:
    """A plain table created for a raw COPY baseline, and the rows COPYed into it."""

    name: str
    create: str  # the CREATE TABLE statement
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


def raw_copy(database_url: str, tables: Sequence[CopyTable]) -> float:
    """psycopg COPY of each table's rows, all in one transaction: seconds for the COPYs and the
    commit (creating the tables is not timed)."""
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        for table in tables:
            cur.execute(table.create)
        conn.commit()
        started = time.perf_counter()
        for table in tables:
            with cur.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def raw_outbox_table(name: str, topic: str, messages: Iterable[Message]) -> CopyTable:
    """A table shaped like the outbox (bigserial id, jsonb headers), and these records as its rows."""
    return CopyTable(
        name,
        f"CREATE TABLE {name} (id bigserial PRIMARY KEY, topic text NOT NULL, message_key text NOT NULL, "
        "payload text NOT NULL, headers jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
        ("topic", "message_key", "payload", "headers"),
        [(topic, k.decode(), v.decode(), json.dumps({n: b.decode() for n, b in h})) for k, v, h in messages],
    )
