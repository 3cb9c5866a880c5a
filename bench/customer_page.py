"""The admin customer details page at concurrency C through the gateway, beside the floor: the
same work done directly against PostgreSQL in the same run (issue 18's first target).

What one run does:

1. Starts the whole system as real processes (``harness.benchmarked_system``: five services,
   fresh databases, this run's own topic prefix, log level WARNING).
2. Registers N customers through the gateway (``POST /api/v1/learner/register``) and waits
   until client-directory has mapped them to the run's client.
3. **Through the gateway**: ``GET /api/v1/admin/customers/{id}`` of random customers for D
   seconds, C connections, one admin token — driven by ``wrk`` (C, epoll: the load generator
   is not the limit on 2 CPUs) with a Lua script picking the ids; its ``done`` hook prints the
   latency percentiles (µs) and the error counts this script parses. Without ``wrk`` on the
   PATH, an httpx loop stands in (and the load generator then competes for the CPUs: say so).
4. **The floor**: a plain psycopg loop at concurrency C on a fresh database, per page one
   ``SELECT`` of a jsonb row (the gateway's real page body for one of the customers) by primary
   key from a 100,000-row table, plus one ``INSERT`` of an audit-like row (the audit log's
   columns and indexes), each in its own transaction, over P connections (default: the
   gateway's own pool, 10), for D seconds.

Printed: pages/s and p50/p95/p99 for both, the ratio, the CPU each process used during the
gateway's window, and the issue's targets beside the figures (p99 < 100 ms, ≥ 500 pages/s; aim
1,000 pages/s).

    uv run python bench/customer_page.py [--customers N] [--duration D] [--concurrency C]
                                         [--floor-rows 100000] [--floor-connections P]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from harness import (
    CpuMeter,
    Endpoints,
    Run,
    benchmarked_system,
    closed_loop,
    find_endpoints,
    fresh_databases,
    percentile,
    pid_of,
    ratio,
    run_footer,
    run_header,
)

from trainyard_common.testing.service_auth import GatewayStandIn
from trainyard_common.testing.system import System

PAGE = "/api/v1/admin/customers/{id}"
TARGET_P99_MS = 100.0
TARGET_RATE = 500.0
AIM_RATE = 1000.0
WRK_LINE = re.compile(r"^TRAINYARD_WRK (.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    seconds: float
    pages: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    failures: int

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.rate:7.0f} pages/s   p50 {self.p50_ms:7.1f} ms   "
            f"p95 {self.p95_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms   ({self.pages} pages, {self.failures} failed)"
        )

    @classmethod
    def of(cls, label: str, seconds: float, latencies_ms: list[float], failures: int) -> Measured:
        values = sorted(latencies_ms) or [0.0, 0.0]
        if len(values) == 1:
            values = values * 2
        return cls(
            label,
            seconds,
            len(latencies_ms),
            percentile(values, 50),
            percentile(values, 95),
            percentile(values, 99),
            failures,
        )


# --------------------------------------------------------------------------- the data


def register_customers(system: System, run: Run, count: int) -> list[str]:
    with system.admin() as admin:
        client = admin.post(
            "/api/v1/admin/clients",
            json={"name": f"Bench {run.id}", "industry": "Technology", "email_domains": [run.domain], "aliases": []},
        )
        client.raise_for_status()
    customer_ids = []
    with system.public() as public:
        for index in range(count):
            body = {
                "first_name": "Bench",
                "last_name": f"Customer {index}",
                "email": f"c{index}@{run.domain}",
                "password": secrets.token_urlsafe(12),
            }
            registered = public.post("/api/v1/learner/register", json=body)
            registered.raise_for_status()
            customer_ids.append(str(registered.json()["id"]))
    return customer_ids


def wait_mapped(system: System, customer_ids: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=system.client_directory.url, auth=GatewayStandIn()) as directory:
        for customer_id in customer_ids:
            while directory.get(f"/v1/learners/{customer_id}").json()["client"] is None:
                if time.monotonic() > deadline:
                    raise SystemExit("customers were not mapped to the run's client in time")
                time.sleep(0.1)


# --------------------------------------------------------------------------- through the gateway: wrk

WRK_SCRIPT = """
local ids = {%(ids)s}
local headers = {["Authorization"] = "Bearer %(token)s"}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed_offset", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + 7919 * (seed_offset or 0))
end

function request()
  return wrk.format("GET", "/api/v1/admin/customers/" .. ids[math.random(#ids)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "TRAINYARD_WRK requests=%%d duration_us=%%d status_errors=%%d socket_errors=%%d "
    .. "p50_us=%%d p95_us=%%d p99_us=%%d max_us=%%d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_script(customer_ids: list[str], token: str) -> str:
    ids = ", ".join(f'"{customer_id}"' for customer_id in customer_ids)
    return WRK_SCRIPT % {"ids": ids, "token": token}


def run_wrk(url: str, script: Path, *, seconds: float, concurrency: int, threads: int) -> tuple[Measured, str]:
    """``wrk --latency`` for ``seconds``; the measurement from the script's ``done`` line, and
    wrk's own report (printed as is)."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",  # wrk's default (2 s) would drop the slow answers from the latencies
        "--latency",
        "-s",
        str(script),
        url,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    return parse_wrk("through the gateway (wrk)", finished.stdout), finished.stdout


def parse_wrk(label: str, output: str) -> Measured:
    found = WRK_LINE.search(output)
    if found is None:
        raise SystemExit(f"wrk printed no summary line:\n{output}")
    values = {key: int(float(value)) for key, value in (pair.split("=") for pair in found.group(1).split())}
    return Measured(
        label,
        values["duration_us"] / 1e6,
        values["requests"],
        values["p50_us"] / 1000,
        values["p95_us"] / 1000,
        values["p99_us"] / 1000,
        values["status_errors"] + values["socket_errors"],
    )


# --------------------------------------------------------------------------- through the gateway: the fallback


async def measured_loop(
    label: str, page: Callable[[], Awaitable[bool]], *, seconds: float, concurrency: int
) -> Measured:
    """``concurrency`` workers each doing ``page()`` back to back for ``seconds``."""
    loop = await closed_loop(page, seconds=seconds, concurrency=concurrency)
    return Measured.of(label, loop.seconds, loop.latencies_ms, loop.failures)


async def httpx_load(url: str, token: str, customer_ids: list[str], *, seconds: float, concurrency: int) -> Measured:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=3.0)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as gateway:

        async def page() -> bool:
            reply = await gateway.get(PAGE.format(id=random.choice(customer_ids)))
            return reply.status_code == 200

        return await measured_loop("through the gateway (httpx)", page, seconds=seconds, concurrency=concurrency)


# --------------------------------------------------------------------------- the floor: PostgreSQL directly

FLOOR_TABLES = """
CREATE TABLE page_view (id uuid PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE audit (
    id uuid PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL, target text,
    outcome text NOT NULL, status_code integer, correlation_id text NOT NULL, client_ip text, user_agent text
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_action_at ON audit (action, at);
CREATE INDEX audit_action_actor_at ON audit (action, actor, at);
"""
FLOOR_SELECT = "SELECT body::text FROM page_view WHERE id = %s"
FLOOR_INSERT = (
    "INSERT INTO audit (id, at, actor, action, target, outcome, status_code, correlation_id, client_ip, user_agent) "
    "VALUES (%s, now(), 'bench-admin', 'read', %s, 'success', 200, %s, '127.0.0.1', 'bench')"
)


def fill_floor(database_url: str, body: str, rows: int) -> list[str]:
    """``rows`` rows of ``body`` (a real page) under random ids; the ids."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(FLOOR_TABLES)
        conn.execute(
            "INSERT INTO page_view SELECT gen_random_uuid(), %s::jsonb FROM generate_series(1, %s)", (body, rows)
        )
        conn.execute("VACUUM ANALYZE page_view")
        return [str(row[0]) for row in conn.execute("SELECT id FROM page_view")]


async def floor(database_url: str, ids: list[str], *, seconds: float, concurrency: int, connections: int) -> Measured:
    """C workers sharing P autocommit connections (prepared after 5 uses, psycopg's default)."""
    pool: asyncio.Queue[psycopg.AsyncConnection[tuple[object, ...]]] = asyncio.Queue()
    opened = [await psycopg.AsyncConnection.connect(database_url, autocommit=True) for _ in range(connections)]
    for conn in opened:
        pool.put_nowait(conn)

    async def page() -> bool:
        page_id = random.choice(ids)
        conn = await pool.get()
        try:
            found = await (await conn.execute(FLOOR_SELECT, (page_id,))).fetchone()
            await conn.execute(FLOOR_INSERT, (uuid.uuid4(), f"customer:{page_id}", uuid.uuid4().hex))
        finally:
            pool.put_nowait(conn)
        return found is not None

    try:
        await closed_loop(page, seconds=min(2.0, seconds), concurrency=concurrency)
        return await measured_loop(
            f"floor: PostgreSQL directly ({connections} conn.)", page, seconds=seconds, concurrency=concurrency
        )
    finally:
        for conn in opened:
            await conn.close()


# --------------------------------------------------------------------------- the run


def target_lines(gateway: Measured) -> list[str]:
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        f"target p99 < {TARGET_P99_MS:.0f} ms at concurrency 50: {gateway.p99_ms:.1f} ms — "
        f"{mark(gateway.p99_ms < TARGET_P99_MS)}",
        f"target ≥ {TARGET_RATE:.0f} pages/s (aim {AIM_RATE:,.0f}): {gateway.rate:.0f} pages/s — "
        f"{mark(gateway.rate >= TARGET_RATE)}" + (" (aim reached)" if gateway.rate >= AIM_RATE else ""),
        f"no failed pages: {gateway.failures} failed — {mark(gateway.failures == 0)}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each measurement")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--floor-rows", type=int, default=100_000)
    parser.add_argument("--floor-connections", type=int, default=10, help="the gateway's own pool size")
    parser.add_argument("--python-load", action="store_true", help="an httpx loop instead of wrk")
    args = parser.parse_args(argv)
    print(run_header())
    use_wrk = not args.python_load and shutil.which("wrk") is not None
    if not use_wrk:
        print("wrk not used (`apt-get install wrk`): an httpx loop in this process drives the gateway, and competes")
        print("with the system for the 2 CPUs — its figures are a lower bound of the gateway's.")
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    with benchmarked_system(endpoints, run) as system:
        customer_ids = register_customers(system, run, args.customers)
        wait_mapped(system, customer_ids)
        token = system.admin_token()
        with system.admin() as admin:
            sample = admin.get(PAGE.format(id=customer_ids[0]))
            sample.raise_for_status()
        body = sample.text
        meter = CpuMeter({service.package: pid_of(service) for service in system.processes()})
        if use_wrk:
            with tempfile.TemporaryDirectory() as scratch:
                script = Path(scratch) / "customer_page.lua"
                script.write_text(wrk_script(customer_ids, token))
                common = {"concurrency": args.concurrency, "threads": args.threads}
                run_wrk(system.gateway.url, script, seconds=min(3.0, args.duration), **common)  # warm-up
                meter.start()
                via_gateway, report = run_wrk(system.gateway.url, script, seconds=args.duration, **common)
                cpu = meter.stop()
            print(report.rstrip())
        else:
            url = system.gateway.url
            asyncio.run(httpx_load(url, token, customer_ids, seconds=min(3.0, args.duration), concurrency=50))
            meter.start()
            via_gateway = asyncio.run(
                httpx_load(url, token, customer_ids, seconds=args.duration, concurrency=args.concurrency)
            )
            cpu = meter.stop()
    with fresh_databases(endpoints.pg_url, "bench_page_floor") as (database_url,):
        ids = fill_floor(database_url, body, args.floor_rows)
        straight = asyncio.run(
            floor(
                database_url,
                ids,
                seconds=args.duration,
                concurrency=args.concurrency,
                connections=args.floor_connections,
            )
        )
    print("=" * 110)
    print(
        f"customer details page: {args.customers} customers, concurrency {args.concurrency}, {args.duration:.0f} s "
        f"each; the page is {len(body.encode())} bytes (floor: {args.floor_rows:,} rows of it)"
    )
    print(via_gateway.line())
    print(straight.line())
    print(f"gateway / floor: {ratio(via_gateway.rate, straight.rate)} of the throughput")
    print(cpu.line(via_gateway.pages))
    for line in target_lines(via_gateway):
        print(line)
    print(run_footer())
    print("=" * 110)


if __name__ == "__main__":
    main()
