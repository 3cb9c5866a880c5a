"""The admin customer details page at concurrency C: through the gateway vs. the same reads
made directly against the services, in one run.

What one run does:

1. Starts the whole system as real processes (``trainyard_common.testing.system``: five
   services, fresh databases, this run's own topic prefix, log level WARNING).
2. Registers N customers through the gateway (``POST /api/v1/learner/register``) and waits
   until client-directory has mapped them to the run's client, so every section has data to
   read where the services have it.
3. **Through the gateway**: R requests of ``GET /api/v1/admin/customers/{id}`` (random
   customers, C in flight) with an admin token: token check in the gateway's database, five
   concurrent service calls, one JSON page.
4. **Direct**: R "pages" made by this process itself: the same five internal GETs against the
   services, concurrently per page, C pages in flight. The difference is the gateway's cost.

Printed: pages/s, p50/p95/p99 latency for both, the ratio gateway/direct, and the CPU the
gateway process used. The load generator runs on the same 2 CPUs as everything else.

    uv run python bench/customer_page.py [--customers N] [--requests R] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from harness import Endpoints, Run, benchmarked_system, find_endpoints, percentile, process_cpu

from trainyard_common.testing.service_auth import GatewayStandIn
from trainyard_common.testing.system import System


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    seconds: float
    latencies_ms: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def line(self) -> str:
        values = sorted(self.latencies_ms)
        return (
            f"{self.label:<28} {self.rate:7.0f} pages/s   p50 {percentile(values, 50):6.1f} ms   "
            f"p95 {percentile(values, 95):6.1f} ms   p99 {percentile(values, 99):6.1f} ms   "
            f"({len(values)} pages, {self.failures} failed)"
        )


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


async def load(
    label: str, page: Callable[[str], Awaitable[bool]], customer_ids: list[str], requests: int, concurrency: int
) -> Measured:
    latencies: list[float] = []
    failures = 0
    queue = iter(random.choices(customer_ids, k=requests))

    async def worker() -> None:
        nonlocal failures
        for customer_id in queue:
            started = time.perf_counter()
            ok = await page(customer_id)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Measured(label, time.perf_counter() - started, latencies, failures)


def internal_paths(customer_id: str) -> list[tuple[str, str]]:
    """The five reads the gateway makes for one page (gateway/service_layer/customer_page.py)."""
    return [
        ("customer_account", f"/v1/customers/{customer_id}"),
        ("client_directory", f"/v1/learners/{customer_id}"),
        ("commerce_access", f"/v1/customers/{customer_id}/orders"),
        ("commerce_access", f"/v1/customers/{customer_id}/access"),
        ("training_progress", f"/v1/customers/{customer_id}/transcript"),
    ]


async def measure(system: System, customer_ids: list[str], requests: int, concurrency: int) -> list[Measured]:
    # Idle connections dropped before uvicorn closes them (5 s), as the gateway does.
    limits = httpx.Limits(
        max_connections=concurrency * 5, max_keepalive_connections=concurrency * 5, keepalive_expiry=3.0
    )
    token = system.admin_token()
    async with httpx.AsyncClient(
        base_url=system.gateway.url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as gateway:
        clients = {
            name: httpx.AsyncClient(
                base_url=getattr(system, name).url, limits=limits, timeout=30, auth=GatewayStandIn()
            )
            for name in ("customer_account", "client_directory", "commerce_access", "training_progress")
        }

        async def through_gateway(customer_id: str) -> bool:
            reply = await gateway.get(f"/api/v1/admin/customers/{customer_id}")
            sections = [s for s in reply.json().values() if isinstance(s, dict) and "available" in s]
            return reply.status_code == 200 and all(s["available"] for s in sections)

        async def direct(customer_id: str) -> bool:
            replies = await asyncio.gather(*(clients[name].get(path) for name, path in internal_paths(customer_id)))
            return all(r.status_code == 200 for r in replies)

        try:
            await load("warm-up", through_gateway, customer_ids, min(requests, 200), concurrency)
            await load("warm-up", direct, customer_ids, min(requests, 200), concurrency)
            before = process_cpu(system)
            via_gateway = await load("through the gateway", through_gateway, customer_ids, requests, concurrency)
            used = {name: cpu - before[name] for name, cpu in process_cpu(system).items()}
            straight = await load("directly against services", direct, customer_ids, requests, concurrency)
        finally:
            for client in clients.values():
                await client.aclose()
    per_page = ", ".join(f"{name} {1000 * cpu / requests:.1f} ms" for name, cpu in used.items())
    print(f"CPU per page through the gateway ({via_gateway.seconds:.1f} s wall, 2 CPUs): {per_page}")
    return [via_gateway, straight]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    with benchmarked_system(endpoints, run) as system:
        customer_ids = register_customers(system, run, args.customers)
        wait_mapped(system, customer_ids)
        via_gateway, straight = asyncio.run(measure(system, customer_ids, args.requests, args.concurrency))
    print("=" * 100)
    print(f"customer details page, {args.customers} customers, {args.requests} pages, concurrency {args.concurrency}")
    print(via_gateway.line())
    print(straight.line())
    print(f"ratio gateway / direct: {via_gateway.rate / straight.rate:.0%} of the throughput")
    print("=" * 100)


if __name__ == "__main__":
    main()
