"""Sustained learner checkouts at concurrency C through the gateway, next to commerce-access's
plain insert rate into its own ``orders`` table measured in the same run.

What one run does:

1. Starts the whole system as real processes (``trainyard_common.testing.system``: five
   services, fresh databases, this run's own topic prefix, log level WARNING; customer-account's
   e-mail sender off, so no SMTP server is needed for the order confirmations).
2. Creates a product (365 days, 49.99 USD) through the admin API, registers L learners through
   ``POST /api/v1/learner/register`` and signs each in (``POST /api/v1/learner/sessions``).
3. **Through the gateway**: R checkouts ``POST /api/v1/learner/orders`` (quantity 1, a fresh
   ``Idempotency-Key`` each, a random learner's token), C in flight. Per request: the gateway
   asks customer-account to introspect the token, then commerce-access completes the order in
   one transaction (order row, access row, OrderCompleted + AccessGranted in the outbox).
4. **Direct**: R checkouts against commerce-access's internal route
   (``POST /v1/learners/{id}/orders``), C in flight: the service alone, no gateway or token check.
5. **Raw PostgreSQL**: R single-row INSERT transactions into commerce-access's ``orders`` table
   (same database, same SQLAlchemy + psycopg stack and pool size as the service), C in flight.
6. Waits for the outbox to drain (every OrderCompleted published) and reports how long it took.

Printed: orders/s and p50/p95/p99 latency for each, the ratios, and CPU per process.

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
from decimal import Decimal

import httpx
from harness import Endpoints, Run, benchmarked_system, find_endpoints, percentile, process_cpu
from sqlalchemy import insert, text

from commerce_access.adapters.tables import orders
from trainyard_common.db.engine import make_engine
from trainyard_common.testing.service_auth import GatewayStandIn
from trainyard_common.testing.system import System

PASSWORD = "bench passphrase 1234"
CREATED = 201


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    seconds: float
    latencies_ms: list[float]
    failures: Counter[int]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def line(self) -> str:
        values = sorted(self.latencies_ms)
        return (
            f"{self.label:<34} {self.rate:7.0f} orders/s   p50 {percentile(values, 50):7.1f} ms   "
            f"p95 {percentile(values, 95):7.1f} ms   p99 {percentile(values, 99):7.1f} ms   "
            f"({len(values)} requests, {sum(self.failures.values())} failed{self._statuses()})"
        )

    def _statuses(self) -> str:
        return ": " + ", ".join(f"{n}x HTTP {status}" for status, n in self.failures.items()) if self.failures else ""


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


async def load(label: str, call: Callable[[], Awaitable[int]], requests: int, concurrency: int) -> Measured:
    """``call`` answers the HTTP status (201 = an order was created)."""
    latencies: list[float] = []
    failures: Counter[int] = Counter()
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            status = await call()
            latencies.append((time.perf_counter() - started) * 1000)
            if status != CREATED:
                failures[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Measured(label, time.perf_counter() - started, latencies, failures)


async def measure(
    system: System, price_id: str, learners: list[Learner], requests: int, concurrency: int
) -> tuple[list[Measured], dict[str, float]]:
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    body = {"price_id": price_id, "quantity": 1}
    async with (
        httpx.AsyncClient(base_url=system.gateway.url, limits=limits, timeout=60) as gateway,
        httpx.AsyncClient(
            base_url=system.commerce_access.url, limits=limits, timeout=60, auth=GatewayStandIn()
        ) as service,
    ):

        async def through_gateway() -> int:
            learner = random.choice(learners)
            headers = {"Authorization": f"Bearer {learner.token}", "Idempotency-Key": uuid.uuid4().hex}
            return (await gateway.post("/api/v1/learner/orders", json=body, headers=headers)).status_code

        async def direct() -> int:
            learner = random.choice(learners)
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            path = f"/v1/learners/{learner.customer_id}/orders"
            return (await service.post(path, json=body, headers=headers)).status_code

        await load("warm-up", through_gateway, min(requests, 200), concurrency)
        before = process_cpu(system, ("gateway", "customer_account", "commerce_access"))
        via_gateway = await load("learner checkout through the gateway", through_gateway, requests, concurrency)
        after = process_cpu(system, ("gateway", "customer_account", "commerce_access"))
        straight = await load("commerce-access internal route", direct, requests, concurrency)
    cpu = {name: after[name] - before[name] for name in before}
    return [via_gateway, straight], cpu


async def raw_inserts(database_url: str, price_id: str, requests: int, concurrency: int) -> Measured:
    """Single-row INSERT transactions into the service's own orders table, nothing else."""
    engine = make_engine(database_url)
    now = datetime.now(UTC)

    async def insert_one() -> int:
        row = {
            "id": uuid.uuid4(),
            "customer_id": uuid.uuid4(),
            "source": "checkout",
            "idempotency_key": f"raw:{uuid.uuid4()}",
            "product_id": uuid.uuid4(),
            "product_name": "Raw",
            "price_id": uuid.UUID(price_id),
            "quantity": 1,
            "unit_amount": Decimal("49.99"),
            "currency": "USD",
            "access_days": 365,
            "completed_at": now,
        }
        async with engine.begin() as conn:
            await conn.execute(insert(orders).values(**row))
        return CREATED

    try:
        await load("warm-up", insert_one, min(requests, 200), concurrency)
        return await load("raw INSERT into orders", insert_one, requests, concurrency)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM orders WHERE idempotency_key LIKE 'raw:%'"))
        await engine.dispose()


async def outbox_drain_seconds(database_url: str, timeout: float = 300) -> float:
    engine = make_engine(database_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            async with engine.connect() as conn:
                if (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0:
                    return time.perf_counter() - started
            await asyncio.sleep(0.2)
        return float("nan")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    service_env = {"customer_account": {"TRAINYARD_EMAIL_ENABLED": "false"}}
    with benchmarked_system(endpoints, run, service_env=service_env) as system:
        price_id, learners = prepare(system, run, args.learners)
        database_url = system.commerce_access.env["TRAINYARD_DATABASE_URL"]
        (via_gateway, straight), cpu = asyncio.run(measure(system, price_id, learners, args.requests, args.concurrency))
        drained = asyncio.run(outbox_drain_seconds(database_url))
        raw = asyncio.run(raw_inserts(database_url, price_id, args.requests, args.concurrency))
    print("=" * 110)
    print(
        f"learner checkouts: {args.learners} learners, {args.requests} orders per run, concurrency {args.concurrency}"
    )
    for measured in (via_gateway, straight, raw):
        print(measured.line())
    print(f"ratio gateway checkouts / raw inserts: {via_gateway.rate / raw.rate:.1%}")
    print(f"ratio service route / raw inserts:     {straight.rate / raw.rate:.1%}")
    print(f"ratio gateway / service route:         {via_gateway.rate / straight.rate:.1%}")
    print(f"outbox drained {drained:.1f} s after the last direct checkout (every OrderCompleted/AccessGranted sent)")
    spent = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
    print(f"CPU during the gateway run ({via_gateway.seconds:.1f} s wall, 2 CPUs): {spent}")
    print("=" * 110)


if __name__ == "__main__":
    main()
