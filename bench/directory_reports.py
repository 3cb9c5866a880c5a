"""client-directory rebuilt from the topic: N UserRegistered replayed into an empty service with
1,000 clients, then its reports — beside the raw Kafka limits on the same topic, same run.

What one run does, on one machine:

1. **Set-up.** The run's own topics (``bench-<run>.``, 3 partitions, deleted afterwards) and a
   fresh database. client-directory is started once (``python -m client_directory``, log level
   WARNING) only to create 1,000 clients through its internal ``POST /v1/clients`` (each owning a
   domain of the run and an alias), then stopped: the topic was empty, so it consumed nothing
   and its consumer groups hold no offset (``auto_offset_reset=earliest``: a restart reads the
   topic from its beginning, as a new group would).
2. **The backlog, and the raw limits on it.** N ``UserRegistered.v2`` (issue 16: what client-directory
   reads, personal fields sealed with the tests' key; client-directory gets the key from a stand-in
   of customer-account's key lookup, ``trainyard_common.testing.key_stand_in``, one lookup per
   batch) produced to the run's topic
   with exactly the records the outbox relay sends (the contract's ``model_dump_json``, the
   CloudEvents headers of ``Envelope``), through the tuned producer (``harness.tuned_producer``:
   its rate is the raw producer figure), then read back from the beginning by a plain
   ``getmany`` loop (the raw consumer figure). Learners are spread over the clients: 80 % by
   domain, 10 % by a sub-domain (``mail.<domain>``), 10 % by organisation alias.
3. **Replay.** client-directory started again on the same database, and timed from ``/readyz``
   answering (its Python start-up and migrations excluded, printed apart) until all N learners
   are mapped (``learners.client_id``, polled: an upper bound, late by at most one poll). The
   first and last ``assigned_at`` (its handler's clock) give the steady mapping rate.
4. **Report.** With the N learners in place (plus one progress fact per learner and one order per
   two learners, inserted directly so the aggregation has real work), ``GET /v1/reports/clients``
   is timed over HTTP: the whole report (1,000 clients in one page) and one client's, p50/p95/p99.

    uv run python bench/directory_reports.py [--count N] [--clients C]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from harness import (
    CpuMeter,
    CpuUse,
    Endpoints,
    Message,
    Probe,
    Run,
    assignment_span,
    consume_all,
    create_client,
    find_endpoints,
    fresh_databases,
    latency_line,
    load_average,
    pid_of,
    produce_all,
    ratio,
    relay_message,
    run_header,
    run_topics,
    running,
    service_process,
    wait_for_counts,
)
from sqlalchemy import insert, select

from client_directory.adapters.tables import learners, report_orders, report_progress
from trainyard_common.contracts import UserRegisteredV2
from trainyard_common.db.engine import make_engine
from trainyard_common.testing.key_stand_in import shared_key_stand_in
from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.sealed_events import registered
from trainyard_common.testing.service_auth import GatewayStandIn

REPORT_SAMPLES = 100


# --------------------------------------------------------------------------- clients and events


def client_domain(run: Run, index: int) -> str:
    return f"c{index}-{run.id}.example"


def client_alias(run: Run, index: int) -> str:
    return f"Org {index} {run.id}"


def create_clients(directory: ServiceProcess, run: Run, count: int) -> None:
    for index in range(count):
        create_client(
            directory, f"Bench client {index} {run.id}", [client_domain(run, index)], [client_alias(run, index)]
        )


def registration(run: Run, index: int, clients: int) -> Message:
    """Learner ``index``: 80 % by domain, 10 % by sub-domain, 10 % by alias."""
    target = index % clients
    email, organization = f"learner{index}@{client_domain(run, target)}", None
    if index % 10 == 8:
        email = f"learner{index}@mail.{client_domain(run, target)}"
    elif index % 10 == 9:
        email, organization = f"learner{index}@freemail-{run.id}.example", client_alias(run, target).upper()
    # Version 2, as client-directory reads it since issue 16: sealed with the tests' key, which the
    # key stand-in serves (no customer-account runs here; see ``measure``).
    event = registered(
        uuid.uuid4(),
        email,
        first_name="Bench",
        last_name=f"Learner {index}",
        organization=organization,
        registered_at=datetime.now(UTC),
    )
    return relay_message(event)


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True, slots=True)
class Replay:
    start_up: float  # process start → consuming (see ``replay``)
    seconds: float  # consuming → every learner mapped (polled)
    mapping_seconds: float  # first → last assigned_at
    cpu: CpuUse


def replay(directory: ServiceProcess, database_url: str, count: int) -> Replay:
    """Start client-directory on the backlog; time it until every learner is mapped.

    The clock starts when the service is consuming: at ``/readyz`` answering, or at the first
    learner's ``assigned_at`` if that came earlier (consumers start during the application's
    start-up, and ``/readyz`` is polled every 200 ms). The process's start-up before that (Python
    imports, migrations: a constant, not a rate) is printed apart. CPU is counted from ``/readyz``.
    """
    spawned = time.time()
    with running(directory):
        ready = time.time()
        meter = CpuMeter({"client-directory": pid_of(directory), "bench": None}).start()
        mapped = "SELECT count(*) FROM learners WHERE client_id IS NOT NULL"
        probe = Probe("learners mapped", database_url, mapped, (), count)
        asyncio.run(wait_for_counts([probe]))
        cpu = meter.stop()
    first, last = assignment_span(database_url)
    assert probe.done_at is not None
    consuming = min(ready, first)
    return Replay(consuming - spawned, probe.done_at - consuming, last - first, cpu)


# --------------------------------------------------------------------------- reports


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
    with httpx.Client(base_url=directory.url, timeout=60, auth=GatewayStandIn()) as http:
        some_client = http.get("/v1/clients", params={"limit": 1}).json()["items"][0]["id"]
        for name, params in (("all", {"limit": min(clients, 1000)}), ("one", {"client_id": some_client})):
            http.get("/v1/reports/clients", params=params).raise_for_status()  # warm-up
            for _ in range(REPORT_SAMPLES):
                started = time.perf_counter()
                http.get("/v1/reports/clients", params=params).raise_for_status()
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def reports(directory: ServiceProcess, database_url: str, clients: int) -> dict[str, list[float]]:
    with running(directory):
        asyncio.run(add_report_facts(database_url))
        return time_reports(directory, clients)


# --------------------------------------------------------------------------- main


@dataclass(frozen=True, slots=True)
class Results:
    count: int
    clients: int
    produce_rate: float
    consume_rate: float
    replay: Replay
    reports: dict[str, list[float]]


def measure(endpoints: Endpoints, run: Run, database_url: str, count: int, clients: int) -> Results:
    topic = run.topic(UserRegisteredV2)
    # client-directory asks customer-account for the keys of each batch's customers; no customer-account
    # runs here, so a stand-in of its key lookup answers (in this process: its CPU is the bench's).
    keys = shared_key_stand_in()
    directory = service_process(
        "client_directory", endpoints, run, database_url, TRAINYARD_CUSTOMER_ACCOUNT_URL=keys.url
    )
    with running(directory):
        print(f"creating {clients} clients …", flush=True)
        create_clients(directory, run, clients)
    messages = [registration(run, i, clients) for i in range(count)]
    print(f"producing {count} UserRegistered.v2 to {topic}, reading them back (raw limits) …", flush=True)
    _, produce_seconds = asyncio.run(produce_all(endpoints.kafka, topic, messages))
    consume_seconds = asyncio.run(consume_all(endpoints.kafka, topic, count))
    print("replay: client-directory started on the backlog …", flush=True)
    replayed = replay(directory, database_url, count)
    print("report query timings …", flush=True)
    timings = reports(directory, database_url, clients)
    return Results(count, clients, count / produce_seconds, count / consume_seconds, replayed, timings)


def summary(results: Results) -> str:
    n, r = results.count, results.replay
    rate = n / r.seconds
    return "\n".join(
        [
            "",
            "=" * 100,
            f"UserRegistered replayed: {n}  clients: {results.clients}  (80 % domain, 10 % sub-domain, 10 % alias)",
            f"client-directory start-up (process start → consuming: /readyz or the first learner mapped, "
            f"whichever came first; not counted): {r.start_up:.2f} s",
            f"REPLAY (consuming → every learner mapped): {r.seconds:.2f} s, {rate:.0f} events/s "
            "(target ≥ 10,000; aim ≥ 20,000)",
            f"  steady mapping rate (first → last assigned_at): {n / max(r.mapping_seconds, 1e-9):.0f} events/s; "
            f"counting the start-up too: {n / (r.start_up + r.seconds):.0f} events/s",
            f"raw Kafka, same topic, same records: tuned producer {results.produce_rate:.0f} msgs/s, "
            f"getmany consumer {results.consume_rate:.0f} msgs/s",
            f"ratio replay / raw getmany consumer: {ratio(rate, results.consume_rate)}",
            r.cpu.line(n),
            latency_line(
                f"report, all {min(results.clients, 1000)} clients, {n} learners", results.reports["all"], "requests"
            ),
            latency_line("report, one client", results.reports["one"], "requests"),
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
    print(run_header())
    run = Run.new()
    with run_topics(endpoints.kafka, run), fresh_databases(endpoints.pg_url, "bench_dir") as (database_url,):
        results = measure(endpoints, run, database_url, args.count, args.clients)
    print(summary(results))
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
