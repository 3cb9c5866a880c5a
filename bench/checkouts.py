"""Sustained learner checkouts at concurrency C through the gateway, next to commerce-access's
internal route and the floor: the same rows written by a tuned psycopg loop, measured in the same run.

What one run does:

1. Starts the whole system as real processes (``trainyard_common.testing.system``: five
   services, fresh databases, this run's own topic prefix, log level WARNING; customer-account's
   e-mail sender off, so no SMTP server is needed for the order confirmations).
2. Creates a product (365 days, 49.99 USD) through the admin API, registers L learners through
   ``POST /api/v1/learner/register`` and signs each in (``POST /api/v1/learner/sessions``).
3. **Through the gateway**: R checkouts ``POST /api/v1/learner/orders`` (quantity 1, a fresh
   ``Idempotency-Key`` each, a random learner's token), C in flight. Per request: the gateway
   checks the learner's token, then commerce-access completes the order in one transaction
   (order row, access row, OrderCompleted + AccessGranted in the outbox).
4. **Direct**: R checkouts against commerce-access's internal route
   (``POST /v1/learners/{id}/orders``, the gateway's service token signed by the bench), C in
   flight: the service alone, no gateway or token check.
5. **The floor**: R transactions by a tuned psycopg loop, C connections in flight, each
   ``INSERT`` of the same order row and of an outbox row (into a copy of the outbox table, so the
   relay does not publish them), prepared statements, then COMMIT — the same writes, no HTTP,
   no Python framework.
6. Waits for the outbox to drain (every OrderCompleted published) and reports how long it took.

Load generation must not be the limit: each of the C workers owns one raw HTTP/1.1 keep-alive
connection (asyncio streams) and sends prebuilt request bytes (a fresh ``Idempotency-Key`` per
request, the learner's token or a pre-signed service token), parsing only the status line and
``Content-Length``: a few tens of µs per request, against milliseconds for the system.

Printed: orders/s, p50/p95/p99 latency and the number of 5xx answers for each, the issue's
targets beside (issue 18: ≥ 300 orders/s through the gateway at concurrency 50, p99 < 250 ms,
no 5xx; aim 500), the ratios, and the CPU of each process during the gateway run.

    uv run python bench/checkouts.py [--learners L] [--requests R] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson
import psycopg
from harness import (
    CpuMeter,
    CpuUse,
    Endpoints,
    RawConnection,
    Run,
    benchmarked_system,
    find_endpoints,
    percentile,
    pid_of,
    run_footer,
    run_header,
)

from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, sign
from trainyard_common.testing.service_auth import RUN_SERVICE_KEY, TEST_ADMIN
from trainyard_common.testing.system import System

PASSWORD = "bench passphrase 1234"
CREATED = 201


TARGET_RATE, AIM_RATE, TARGET_P99_MS = 300, 500, 250


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    seconds: float
    latencies_ms: list[float]
    failures: Counter[int]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.failures.items() if status >= 500)

    def p99(self) -> float:
        return percentile(sorted(self.latencies_ms), 99)

    def line(self) -> str:
        values = sorted(self.latencies_ms)
        return (
            f"{self.label:<38} {self.rate:6.0f} orders/s  p50 {percentile(values, 50):7.1f} ms  "
            f"p95 {percentile(values, 95):7.1f} ms  p99 {percentile(values, 99):7.1f} ms  "
            f"5xx {self.server_errors}  ({len(values)} requests, "
            f"{sum(self.failures.values())} not 201{self._statuses()})"
        )

    def _statuses(self) -> str:
        return ": " + ", ".join(f"{n}x {status}" for status, n in self.failures.items()) if self.failures else ""

    def verdict(self) -> str:
        met = self.rate >= TARGET_RATE and self.p99() < TARGET_P99_MS and self.server_errors == 0
        return (
            f"target (issue 18): >= {TARGET_RATE} orders/s, p99 < {TARGET_P99_MS} ms, no 5xx (aim {AIM_RATE}/s): "
            f"{'met' if met else 'NOT met'} ({self.rate:.0f}/s, p99 {self.p99():.0f} ms, {self.server_errors} 5xx)"
        )


@dataclass(frozen=True, slots=True)
class Learner:
    customer_id: str
    token: str


def prepare(system: System, run: Run, learners: int) -> tuple[str, list[Learner]]:
    with system.admin() as admin:
        product = admin.post(
            "/api/v1/admin/products",
            json={"name": f"Bench {run.id}", "access_days": 365, "prices": [{"amount": "49.99", "currency": "USD"}]},
        )
        product.raise_for_status()
    signed_in = []
    with system.public() as public:
        for index in range(learners):
            email = f"buyer{index}@{run.domain}"
            body = {"first_name": "Bench", "last_name": f"Buyer {index}", "email": email, "password": PASSWORD}
            registered = public.post("/api/v1/learner/register", json=body)
            registered.raise_for_status()
            session = public.post("/api/v1/learner/sessions", json={"email": email, "password": PASSWORD})
            session.raise_for_status()
            signed_in.append(Learner(str(registered.json()["id"]), str(session.json()["access_token"])))
    return str(product.json()["prices"][0]["price_id"]), signed_in


async def load(label: str, calls: list[Callable[[], Awaitable[int]]], requests: int) -> Measured:
    """One worker per entry of ``calls`` (its own connection); each call answers the HTTP status
    (201 = an order was created)."""
    latencies: list[float] = []
    failures: Counter[int] = Counter()
    remaining = iter(range(requests))

    async def worker(call: Callable[[], Awaitable[int]]) -> None:
        for _ in remaining:
            started = time.perf_counter()
            status = await call()
            latencies.append((time.perf_counter() - started) * 1000)
            if status != CREATED:
                failures[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(call) for call in calls))
    return Measured(label, time.perf_counter() - started, latencies, failures)


def post(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body


async def http_load(label: str, url: str, build: Callable[[], bytes], requests: int, concurrency: int) -> Measured:
    connections = [RawConnection(url) for _ in range(concurrency)]

    def call_on(connection: RawConnection) -> Callable[[], Awaitable[int]]:
        return lambda: connection.request(build())

    calls = [call_on(c) for c in connections]
    try:
        return await load(label, calls, requests)
    finally:
        for connection in connections:
            await connection.close()


async def measure(
    system: System, price_id: str, learners: list[Learner], requests: int, concurrency: int
) -> tuple[list[Measured], CpuUse]:
    body = orjson.dumps({"price_id": price_id, "quantity": 1})
    gateway_host = urlsplit(system.gateway.url).netloc
    service_host = urlsplit(system.commerce_access.url).netloc

    def through_gateway() -> bytes:
        learner = random.choice(learners)
        headers = {"Authorization": f"Bearer {learner.token}", "Idempotency-Key": uuid.uuid4().hex}
        return post(gateway_host, "/api/v1/learner/orders", body, headers)

    signed = {}
    for learner in learners:  # the gateway's service token, signed once per learner for the run
        path = f"/v1/learners/{learner.customer_id}/orders"
        token = sign(RUN_SERVICE_KEY, method="POST", path=path, caller=Caller(admin=TEST_ADMIN), ttl_seconds=3600)
        signed[learner.customer_id] = (path, token)

    def direct() -> bytes:
        path, token = signed[random.choice(learners).customer_id]
        return post(service_host, path, body, {SERVICE_TOKEN_HEADER: token, "Idempotency-Key": uuid.uuid4().hex})

    await http_load("warm-up", system.gateway.url, through_gateway, min(requests, 200), concurrency)
    meter = CpuMeter({**{s.package: pid_of(s) for s in system.processes()}, "load generator": None}).start()
    via_gateway = await http_load(
        "learner checkout through the gateway", system.gateway.url, through_gateway, requests, concurrency
    )
    await asyncio.sleep(AFTER_WORK_SECONDS)
    cpu = meter.stop()
    straight = await http_load(
        "commerce-access internal route", system.commerce_access.url, direct, requests, concurrency
    )
    return [via_gateway, straight], cpu


AFTER_WORK_SECONDS = 1.0
"""Counted after the gateway run: the consumers finishing the last orders' after-work (events,
the customer view), which is as much the orders' cost as the requests."""


_ORDER = (
    "INSERT INTO orders (id, customer_id, source, idempotency_key, product_id, product_name, price_id, quantity, "
    "unit_amount, currency, access_days, completed_at) "
    "VALUES (%s, %s, 'checkout', %s, %s, 'Raw', %s, 1, 49.99, 'USD', 365, %s)"
)
_OUTBOX = "INSERT INTO bench_outbox (topic, message_key, payload, headers) VALUES ('OrderCompleted', %s, %s, %s)"


async def floor(database_url: str, price_id: str, requests: int, concurrency: int) -> Measured:
    """The same writes by a tuned psycopg loop: one connection per worker, prepared statements,
    the order row and an outbox row (same sizes as the service's) in one transaction each."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        await admin.execute("CREATE TABLE IF NOT EXISTS bench_outbox (LIKE outbox INCLUDING DEFAULTS)")
    payload = orjson.dumps({"order_id": str(uuid.uuid4()), "lines": [{"product_name": "Raw"}] * 3}).decode()
    headers = orjson.dumps({"ce_id": str(uuid.uuid4()), "ce_type": "trainyard.OrderCompleted"}).decode()
    product_id, price = uuid.uuid4(), uuid.UUID(price_id)
    connections = [await psycopg.AsyncConnection.connect(url, prepare_threshold=0) for _ in range(concurrency)]

    def writer(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> Callable[[], Awaitable[int]]:
        async def one() -> int:
            order_id, customer_id = uuid.uuid4(), uuid.uuid4()
            async with conn.transaction():
                key = f"raw:{order_id}"
                await conn.execute(_ORDER, (order_id, customer_id, key, product_id, price, datetime.now(UTC)))
                await conn.execute(_OUTBOX, (str(customer_id), payload, headers))
            return CREATED

        return one

    try:
        calls = [writer(c) for c in connections]
        await load("warm-up", calls, min(requests, 200))
        return await load("floor: psycopg order + outbox INSERTs", calls, requests)
    finally:
        for conn in connections:
            await conn.close()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            await admin.execute("DELETE FROM orders WHERE idempotency_key LIKE 'raw:%'")
            await admin.execute("DROP TABLE IF EXISTS bench_outbox")


async def outbox_drain_seconds(database_url: str, timeout: float = 300) -> float:
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            count = await (await conn.execute("SELECT count(*) FROM outbox")).fetchone()
            if count is not None and count[0] == 0:
                return time.perf_counter() - started
            await asyncio.sleep(0.2)
    return float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    service_env = {"customer_account": {"TRAINYARD_EMAIL_ENABLED": "false"}}
    header = run_header()
    with benchmarked_system(endpoints, run, service_env=service_env) as system:
        price_id, learners = prepare(system, run, args.learners)
        database_url = system.commerce_access.env["TRAINYARD_DATABASE_URL"]
        (via_gateway, straight), cpu = asyncio.run(measure(system, price_id, learners, args.requests, args.concurrency))
        drained = asyncio.run(outbox_drain_seconds(database_url))
        raw = asyncio.run(floor(database_url, price_id, args.requests, args.concurrency))
    print("=" * 110)
    print(header)
    print(
        f"learner checkouts: {args.learners} learners, {args.requests} orders per run, concurrency {args.concurrency}"
    )
    for measured in (via_gateway, straight, raw):
        print(measured.line())
    print(via_gateway.verdict())
    print(f"ratio gateway checkouts / floor:   {via_gateway.rate / raw.rate:.1%}")
    print(f"ratio service route / floor:       {straight.rate / raw.rate:.1%}")
    print(f"ratio gateway / service route:     {via_gateway.rate / straight.rate:.1%}")
    print(f"outbox drained {drained:.1f} s after the last direct checkout (every OrderCompleted/AccessGranted sent)")
    orders = len(via_gateway.latencies_ms)
    print(f"the gateway run and {AFTER_WORK_SECONDS:.0f} s after it, {orders} orders: {cpu.line(orders, unit='order')}")
    print(f"whole machine: {cpu.machine_busy / orders * 1e3:.2f} ms of CPU per order")
    print(run_footer())
    print("=" * 110)


if __name__ == "__main__":
    main()
