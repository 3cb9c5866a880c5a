"""The admin lists on big data at concurrency C through the gateway, beside the floor: the same
SQL run by a plain psycopg loop at concurrency C in the same run (issue 18, item 4).

What one run does:

1. Starts the whole system as real processes (``harness.benchmarked_system``: five services,
   fresh migrated databases, this run's own topic prefix, log level WARNING).
2. Fills the services' own databases straight with ``generate_series`` INSERTs (no events: a
   list reads its own tables): N customers (statuses, 20 groups, 40 clients) in customer-account,
   M clients with a domain and an alias each in client-directory, N projected customers, a
   partner for every other one and P progress rows (one per learner and item) in
   training-progress, A audit entries in the gateway; then ``VACUUM ANALYZE`` until every page is
   all-visible (``settle``: what autovacuum does some time after a load).
3. **Through the gateway**: each list (customers, clients, training progress, audit log; with its
   filters) for D seconds, C workers each on its own keep-alive connection (``RawConnection``),
   one admin token, ``limit=50``.
4. **The floor**: the SQL the service runs for that list (its page and its capped total, built
   by the service's own query functions, values inlined; the customers' and training-progress
   lists' pages are the services' own statements, their totals inside) by C workers over C autocommit psycopg
   connections to the service's database, for D seconds.

Printed per list: requests/s, p50/p99 of both, the CPU each process spent per request through the
gateway (services, load generator, Kafka, PostgreSQL), and the issue's target beside the figures
(p99 < 100 ms at concurrency 20; aim < 30 ms). The load generator runs in this process on the same two
cores as the system: a few tens of µs a request, where an httpx client took ~1 ms.

    uv run python bench/admin_lists.py [--customers 100000] [--progress 1000000] [--clients 5000]
                                       [--audit 100000] [--duration 10] [--concurrency 20]
                                       [--only customers]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
from harness import (
    CpuMeter,
    CpuUse,
    Endpoints,
    RawConnection,
    Run,
    benchmarked_system,
    closed_loop,
    find_endpoints,
    percentile,
    pid_of,
    ratio,
    run_footer,
    run_header,
)
from sqlalchemy import Select
from sqlalchemy.dialects import postgresql

from client_directory.adapters.repository import CLIENT_ORDER, client_list_query, client_rows
from customer_account.adapters.repository import page_query as customer_page_query
from customer_account.domain.customer import CustomerStatus
from gateway.adapters.repository import audit_list_query
from gateway.adapters.tables import audit_log
from gateway.domain.audit import AuditQuery
from training_progress.adapters.views import ProgressQuery, page_query
from trainyard_common.db.counting import capped_count_query

TARGET_P99_MS = 100.0
AIM_P99_MS = 30.0
PAGE = 50
OK = 200


def _uuid(kind: int, n: str) -> str:
    return f"('00000000-0000-0000-{kind:04d}-' || lpad(to_hex({n}), 12, '0'))::uuid"


GROUP = uuid.UUID("00000000-0000-0000-0000-00000000000a")
CLIENT = uuid.UUID("00000000-0000-0000-0000-000000000007")  # customer-account's client ids
PARTNER = uuid.UUID("00000000-0000-0000-0000-000000000007")  # training-progress's partner ids

CUSTOMERS_SQL = """
INSERT INTO groups (id, name, created_at)
SELECT {group}, 'Bench group ' || g, now() FROM generate_series(1, 20) AS g;
INSERT INTO customers (id, first_name, last_name, email, organization, status, created_at, client_id)
SELECT gen_random_uuid(), 'First' || i, 'Last' || i, 'user' || i || '@example' || (i % 100) || '.com',
       'Org ' || (i % 500), (ARRAY['active', 'active', 'active', 'inactive', 'locked'])[1 + i % 5],
       now() - i * interval '1 minute',
       CASE WHEN i % 3 = 0 THEN NULL ELSE {client} END
FROM generate_series(1, {n}) AS i;
INSERT INTO customer_groups (customer_id, group_id, added_at)
SELECT id, {member_group}, now() FROM customers
"""

CLIENTS_SQL = """
INSERT INTO clients (id, name, industry, active, created_at)
SELECT {id}, 'Client ' || i, 'Industry ' || (i % 40), i % 10 <> 0, now() FROM generate_series(1, {n}) AS i;
INSERT INTO client_domains (client_id, domain)
SELECT {id}, 'client' || i || '.example' FROM generate_series(1, {n}) AS i;
INSERT INTO client_aliases (client_id, alias, alias_key)
SELECT {id}, 'Alias ' || i || ' Inc', 'alias ' || i || ' inc' FROM generate_series(1, {n}) AS i
"""

PROGRESS_SQL = """
INSERT INTO items (id, item_type, name, name_key, created_at)
SELECT {item}, (ARRAY['module', 'course', 'certification'])[1 + i % 3], 'Item ' || i, 'item ' || i, now()
FROM generate_series(0, {items} - 1) AS i;
INSERT INTO customers (customer_id, email, first_name, last_name, registered_at)
SELECT {customer}, 'user' || c || '@example.com', 'First' || c, 'Last' || c, now()
FROM generate_series(0, {n} - 1) AS c;
INSERT INTO learner_clients (customer_id, client_id, client_name, assigned_at)
SELECT {customer}, {partner}, 'Partner ' || (c % 30), now() FROM generate_series(0, {n} - 1, 2) AS c;
INSERT INTO progress (id, customer_id, item_type, item_id, status, source, updated_at)
SELECT gen_random_uuid(), {row_customer},
       (ARRAY['module', 'course', 'certification'])[1 + ((i / {n}) * 30 + i % 30) % 3], {row_item},
       CASE WHEN i % 4 = 0 THEN 'completed' ELSE 'in_progress' END, 'learner', now() - i * interval '1 second'
FROM generate_series(0, {rows} - 1) AS i
"""

AUDIT_SQL = """
INSERT INTO audit_log (id, at, actor, action, target, outcome, status_code, correlation_id)
SELECT gen_random_uuid(), now() - i * interval '10 seconds', 'admin' || (i % 50),
       (ARRAY['GET /api/v1/admin/customers', 'PATCH /api/v1/admin/customers/{{id}}',
              'POST /api/v1/admin/clients'])[1 + i % 3],
       'customer:' || (i % 20000), 'success', 200, 'bench-' || i
FROM generate_series(0, {n} - 1) AS i
"""


def fill(database_url: str, script: str, tables: list[str]) -> float:
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in script.split(";\n"):
            conn.execute(statement)
        for table in tables:
            settle(conn, table)
    return time.perf_counter() - started


def settle(conn: psycopg.Connection[Any], table: str, attempts: int = 10) -> None:
    """``VACUUM ANALYZE`` until the table's pages are all marked all-visible, as autovacuum leaves a
    table some time after a load. The first pass often cannot: the autovacuum's own ANALYZE of a
    table loaded earlier holds a snapshot taken while this one was being loaded, and rows newer than
    that snapshot are not yet visible to all — every index-only scan would then read the heap too
    (seen: the partner filter's count, 10,001 heap fetches and 94 ms instead of 14 ms)."""
    for _ in range(attempts):
        conn.execute(f"VACUUM ANALYZE {table}")
        pages, visible = conn.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", (table,)
        ).fetchone() or (0, 0)
        if visible >= pages:
            return
        time.sleep(1)
    print(
        f"  {table}: {visible} of {pages} pages all-visible after {attempts} VACUUMs (index-only scans read the heap)"
    )


def fill_all(system: Any, args: argparse.Namespace) -> None:
    url = {service.package: service.env["TRAINYARD_DATABASE_URL"] for service in system.processes()}
    n, rows = args.customers, args.progress
    items = 30 * (rows // n + 1)
    took = fill(
        url["customer_account"],
        CUSTOMERS_SQL.format(
            n=n,
            group=_uuid(0, "g"),
            client=_uuid(0, "1 + i % 40"),
            member_group=_uuid(0, "1 + abs(hashtext(id::text)) % 20"),
        ),
        ["groups", "customers", "customer_groups"],
    )
    print(f"customer-account: {n:,} customers in 20 groups: {took:.1f} s")
    took = fill(url["client_directory"], CLIENTS_SQL.format(n=args.clients, id=_uuid(0, "i")), ["clients"])
    print(f"client-directory: {args.clients:,} clients (a domain and an alias each): {took:.1f} s")
    took = fill(
        url["training_progress"],
        PROGRESS_SQL.format(
            n=n,
            rows=rows,
            items=items,
            item=_uuid(1, "i"),
            customer=_uuid(2, "c"),
            partner=_uuid(0, "1 + c % 30"),
            row_customer=_uuid(2, f"i % {n}"),
            row_item=_uuid(1, f"(i / {n}) * 30 + i % 30"),
        ),
        ["items", "customers", "learner_clients", "progress"],
    )
    print(f"training-progress: {rows:,} progress rows ({n:,} learners, {items} items): {took:.1f} s")
    took = fill(url["gateway"], AUDIT_SQL.format(n=args.audit), ["audit_log"])
    print(f"gateway: {args.audit:,} audit entries: {took:.1f} s")


# --------------------------------------------------------------------------- the lists


@dataclass(frozen=True, slots=True)
class Listing:
    label: str
    package: str  # whose database the floor runs on
    path: str  # through the gateway
    params: dict[str, str]
    page: Select[Any]  # the service's own page query
    total: Select[Any] | None  # and its capped total, unless the page carries it (as the service's does)

    def sql(self) -> list[str]:
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        return [
            str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})).replace("%%", "%")
            for statement in (self.total, self.page)
            if statement is not None
        ]


def _customers(label: str, params: dict[str, str], **filters: Any) -> Listing:
    page = customer_page_query(limit=PAGE, **filters)
    return Listing(label, "customer_account", "/api/v1/admin/customers", params, page, None)


def _clients(label: str, params: dict[str, str], **filters: Any) -> Listing:
    query = client_list_query(**filters)
    return Listing(
        label,
        "client_directory",
        "/api/v1/admin/clients",
        params,
        client_rows(query).order_by(*CLIENT_ORDER).limit(PAGE),
        capped_count_query(query),
    )


def _progress(label: str, params: dict[str, str], **filters: Any) -> Listing:
    query = ProgressQuery("module", **filters, limit=PAGE)
    return Listing(
        label,
        "training_progress",
        "/api/v1/admin/training-progress",
        {"type": "module", **params},
        page_query(query),
        None,
    )


def _audit(label: str, params: dict[str, str], **filters: Any) -> Listing:
    query = audit_list_query(AuditQuery(**filters))
    return Listing(
        label,
        "gateway",
        "/api/v1/admin/audit-log",
        params,
        query.order_by(audit_log.c.at.desc(), audit_log.c.id).limit(PAGE),
        capped_count_query(query),
    )


LISTINGS = [
    _customers("customers", {}),
    _customers("customers ?search=user1234", {"search": "user1234"}, search="user1234"),
    _customers("customers ?search=st777 La (name)", {"search": "st777 La"}, search="st777 La"),
    _customers("customers ?status=locked", {"status": "locked"}, status=CustomerStatus.LOCKED),
    _customers("customers ?group_id", {"group_id": str(GROUP)}, group_id=GROUP),
    _customers("customers ?client_id", {"client_id": str(CLIENT)}, client_id=CLIENT),
    _clients("clients", {}),
    _clients("clients ?search=client77", {"search": "client77"}, search="client77"),
    _clients("clients ?industry", {"industry": "Industry 7"}, industry="Industry 7"),
    _progress("training-progress (modules)", {}),
    _progress("training-progress ?progress=completed", {"progress": "completed"}, status="completed"),
    _progress("training-progress ?name=Item 12", {"name": "Item 12"}, name="Item 12"),
    _progress("training-progress ?partner_id", {"partner_id": str(PARTNER)}, partner_id=PARTNER),
    _progress("training-progress ?user=user1234@", {"user": "user1234@"}, user="user1234@"),
    _audit("audit-log", {}),
    _audit("audit-log ?actor=admin7", {"actor": "admin7"}, actor="admin7"),
    _audit("audit-log ?target", {"target": "customer:1234"}, target="customer:1234"),
]


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True, slots=True)
class Measured:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def cell(self) -> str:
        return f"{self.rate:6.0f}/s p50 {self.p50_ms:6.1f} p99 {self.p99_ms:6.1f} ms" + (
            f" ({self.failures} failed)" if self.failures else ""
        )


async def measured_loop(request: Callable[[], Awaitable[bool]], *, seconds: float, concurrency: int) -> Measured:
    loop = await closed_loop(request, seconds=seconds, concurrency=concurrency)
    values = sorted(loop.latencies_ms) or [0.0, 0.0]
    values = values * 2 if len(values) == 1 else values
    return Measured(len(loop.latencies_ms), loop.seconds, percentile(values, 50), percentile(values, 99), loop.failures)


async def through_gateway(
    url: str, token: str, listing: Listing, pids: dict[str, int | None], *, seconds: float, concurrency: int
) -> tuple[Measured, CpuUse]:
    """C workers, each on its own keep-alive connection (``RawConnection``: the load generator
    shares the machine's two cores with the system, so it must cost next to nothing); and the CPU
    each process (``pids``, the servers, this one) spent on the measured requests."""
    query = urlencode({**listing.params, "limit": str(PAGE)})
    host = urlsplit(url).netloc
    data = f"GET {listing.path}?{query} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    idle: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(concurrency):
        idle.put_nowait(RawConnection(url))

    async def request() -> bool:
        connection = await idle.get()
        try:
            return bool(await connection.request(data) == OK)
        finally:
            idle.put_nowait(connection)

    try:
        await closed_loop(request, seconds=min(0.5, seconds), concurrency=concurrency)  # warm-up
        meter = CpuMeter({**pids, "load generator": None}).start()
        measured = await measured_loop(request, seconds=seconds, concurrency=concurrency)
        return measured, meter.stop()
    finally:
        while not idle.empty():
            await idle.get_nowait().close()


async def floor(database_url: str, listing: Listing, *, seconds: float, concurrency: int) -> Measured:
    """C workers, one autocommit connection each (prepared after 5 uses, psycopg's default)."""
    statements = listing.sql()
    opened = [await psycopg.AsyncConnection.connect(database_url, autocommit=True) for _ in range(concurrency)]
    pool: asyncio.Queue[psycopg.AsyncConnection[tuple[Any, ...]]] = asyncio.Queue()
    for conn in opened:
        pool.put_nowait(conn)

    async def request() -> bool:
        conn = await pool.get()
        try:
            for sql in statements:
                await (await conn.execute(sql)).fetchall()
        finally:
            pool.put_nowait(conn)
        return True

    try:
        await closed_loop(request, seconds=min(0.5, seconds), concurrency=concurrency)  # warm-up
        return await measured_loop(request, seconds=seconds, concurrency=concurrency)
    finally:
        for conn in opened:
            await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--progress", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each measurement")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--only", default="", help="measure only the lists whose label contains this text")
    args = parser.parse_args(argv)
    print(run_header())
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    rows: list[tuple[Listing, Measured, Measured]] = []
    with benchmarked_system(endpoints, run) as system:
        fill_all(system, args)
        token = system.admin_token()
        urls = {service.package: service.env["TRAINYARD_DATABASE_URL"] for service in system.processes()}
        for listing in (listing for listing in LISTINGS if args.only in listing.label):
            common = {"seconds": args.duration, "concurrency": args.concurrency}
            pids = {service.package: pid_of(service) for service in system.processes()}
            via, cpu = asyncio.run(through_gateway(system.gateway.url, token, listing, pids, **common))
            straight = asyncio.run(floor(urls[listing.package], listing, **common))
            rows.append((listing, via, straight))
            print(f"{listing.label:<40} gateway {via.cell()}   floor {straight.cell()}")
            print(f"  through the gateway: {cpu.line(via.requests, unit='request')}")
    print("=" * 130)
    print(
        f"admin lists: {args.customers:,} customers, {args.progress:,} progress rows, {args.clients:,} clients, "
        f"{args.audit:,} audit entries; concurrency {args.concurrency}, {args.duration:.0f} s each, limit {PAGE}"
    )
    print(f"{'list':<40} {'through the gateway':<44} {'floor: its SQL by psycopg':<44} gateway/floor")
    worst = 0.0
    for listing, via, straight in rows:
        worst = max(worst, via.p99_ms)
        print(f"{listing.label:<40} {via.cell():<44} {straight.cell():<44} {ratio(via.rate, straight.rate)}")
    failed = sum(via.failures for _, via, _ in rows)
    print(
        f"target p99 < {TARGET_P99_MS:.0f} ms at concurrency {args.concurrency} (aim < {AIM_P99_MS:.0f} ms): "
        f"worst list {worst:.1f} ms — {'met' if worst < TARGET_P99_MS else 'NOT met'}"
        + (" (aim reached)" if worst < AIM_P99_MS else "")
    )
    print(f"no failed requests: {failed} failed — {'met' if failed == 0 else 'NOT met'}")
    print(run_footer())
    print("=" * 130)


if __name__ == "__main__":
    main()
