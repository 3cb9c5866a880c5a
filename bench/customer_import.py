"""A customer import of N rows (default 100,000, no products) through customer-account's import:
rows/s, the service's peak memory, the share of time spent hashing passwords — next to a plain
PostgreSQL COPY and a multi-row INSERT of the same customer rows into the same database, in the
same run (the ratio is the figure).

Passwords: by default every row leaves Password blank, as an admin importing a roster does; the
service then generates a 144-bit password per customer (sent in the welcome e-mail), stores a
salted SHA-256 of it and re-hashes it with argon2id at the first sign-in (a random secret needs
no key stretching; a chosen one does). ``--chosen N`` adds a second import of N rows that carry
their own passwords, which the service hashes with argon2id in its process pool: that rate is
bounded by argon2id itself (tens of ms of CPU per hash by design), which is why generated
passwords are deferred.

What one run does (and leaves nothing behind):

1. Creates every topic under a run prefix and two fresh databases; starts customer-account
   (log level WARNING, e-mail sender off) and client-directory as real processes, and a client
   owning the run's e-mail domain.
2. Uploads an N-row CSV (the template's columns) as multipart to ``POST /v1/customer-imports``
   and waits for the answer (the import is synchronous; its relay publishes the events
   meanwhile and afterwards). Peak memory is the process's VmHWM.
3. Waits until client-directory has mapped all N learners to the client (``learners.client_id``,
   polled: an upper bound) and prints how long after the import's answer that was.
4. Reads the hashing time from the service's ``/metrics``.
5. Baselines, same database: COPY of the same N customer rows into a scratch table shaped like
   ``customers``, and the same rows as multi-row INSERTs of 1,000.

``--alone`` starts customer-account only (no client-directory, so step 3 is skipped): the import's
own pace, with nothing consuming its events in the same process and on the same CPUs.

    uv run python bench/customer_import.py [--rows N] [--chosen N] [--alone]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
import uuid
from datetime import UTC, datetime

import httpx
import psycopg
from harness import (
    CopyTable,
    CpuMeter,
    Probe,
    Run,
    cpu_seconds,
    create_client,
    find_endpoints,
    fresh_databases,
    peak_rss_mib,
    pid_of,
    raw_copy,
    run_header,
    run_topics,
    running,
    service_process,
    wait_for_counts,
)

from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.service_auth import GatewayStandIn

HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"
ADMIN = {"X-Actor-Admin": "bench"}


def as_csv(run: Run, count: int, *, tag: str, password: str = "") -> bytes:
    lines = [HEADER, *(f"Bench,Learner {i},{tag}{i}@{run.domain},{password},,," for i in range(count))]
    return ("\n".join(lines) + "\n").encode()


def metric(metrics_url: str, name: str) -> float:
    """A sample of the service's ``/metrics`` (served on a port of its own)."""
    found = re.search(rf"^{name} ([0-9.e+-]+)$", httpx.get(f"{metrics_url}/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def timed_import(http: httpx.Client, metrics_url: str, pid: int, body: bytes) -> dict[str, float]:
    hashing_before = metric(metrics_url, "customer_account_import_hashing_seconds_total")
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    response = http.post(
        "/v1/customer-imports", files={"file": ("bench.csv", body, "text/csv")}, data={}, headers=ADMIN
    )
    elapsed, answered_at = time.perf_counter() - started, time.time()
    response.raise_for_status()
    result = response.json()
    if result["errors"]:
        raise RuntimeError(f"unexpected row errors: {result['errors'][:3]}")
    return {
        "created": result["created"],
        "seconds": elapsed,
        "hashing": metric(metrics_url, "customer_account_import_hashing_seconds_total") - hashing_before,
        "cpu": cpu_seconds(pid) - cpu_before,
        "answered_at": answered_at,
    }


def customer_rows(count: int) -> list[tuple[object, ...]]:
    now = datetime.now(UTC)
    return [
        (uuid.uuid4(), "Bench", f"Learner {i}", f"raw{i}@raw.example", "gen-sha256$00$00", "active", now, True)
        for i in range(count)
    ]


SCRATCH = (
    "CREATE TABLE {name} (id uuid PRIMARY KEY, first_name text, last_name text, email text UNIQUE, "
    "password_hash text, status text NOT NULL, created_at timestamptz NOT NULL, password_change_required bool)"
)
COLUMNS = "id, first_name, last_name, email, password_hash, status, created_at, password_change_required"


def raw_insert(database_url: str, rows: list[tuple[object, ...]], batch: int = 1000) -> float:
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(SCRATCH.format(name="bench_raw_insert"))
        conn.commit()
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s)"] * len(chunk))
            cur.execute(
                f"INSERT INTO bench_raw_insert ({COLUMNS}) VALUES {values}",
                [v for row in chunk for v in row],
            )
            conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chosen", type=int, default=500, help="rows of a second import with chosen passwords")
    parser.add_argument(
        "--alone", action="store_true", help="customer-account only: the import's own pace, no consumer competing"
    )
    args = parser.parse_args()
    endpoints = find_endpoints()
    print(run_header())
    run = Run.new()
    with (
        run_topics(endpoints.kafka, run),
        fresh_databases(endpoints.pg_url, "bench_customers", "bench_dir") as (database_url, directory_db),
    ):
        service = service_process(
            "customer_account",
            endpoints,
            run,
            database_url,
            TRAINYARD_EMAIL_ENABLED="false",
            TRAINYARD_IMPORT_MAX_ROWS=str(max(args.rows, args.chosen)),
        )
        if args.alone:
            with running(service):
                measure(service, database_url, None, run, args.rows, args.chosen)
            return
        # client-directory unseals UserRegistered.v2 with the keys customer-account serves it (issue 16).
        directory = service_process(
            "client_directory", endpoints, run, directory_db, TRAINYARD_CUSTOMER_ACCOUNT_URL=service.url
        )
        with running(service, directory):
            client_id = create_client(directory, f"Bench {run.domain}", [run.domain])
            mapped = Probe(
                "learners mapped", directory_db, "SELECT count(*) FROM learners WHERE client_id = %s", (client_id,), 0
            )
            meter = CpuMeter({"customer-account": pid_of(service), "client-directory": pid_of(directory)})
            measure(service, database_url, (mapped, meter), run, args.rows, args.chosen)


def measure(
    service: ServiceProcess, database_url: str, watch: tuple[Probe, CpuMeter] | None, run: Run, count: int, chosen: int
) -> None:
    """``watch``: client-directory's count of this run's learners, waited for after the import, and
    the CPU meter running from the upload until they are all mapped (None: ``--alone``)."""
    pid = pid_of(service)
    with httpx.Client(base_url=service.url, timeout=3600, auth=GatewayStandIn()) as http:
        body = as_csv(run, count, tag="gen")
        rss_before = peak_rss_mib(pid)
        if watch:
            watch[1].start()
        generated = timed_import(http, service.metrics_url, pid, body)
        rss_peak = peak_rss_mib(pid)
        if watch:
            mapped, meter = watch
            mapped.target = int(generated["created"])
            asyncio.run(wait_for_counts([mapped]))
            cpu = meter.stop()
            mapped_after = (mapped.done_at or float("nan")) - generated["answered_at"]
        own = (
            timed_import(http, service.metrics_url, pid, as_csv(run, chosen, tag="own", password="a chosen passphrase"))
            if chosen
            else None
        )
    rows = customer_rows(count)
    scratch = CopyTable("bench_raw_copy", SCRATCH.format(name="bench_raw_copy"), COLUMNS.split(", "), rows)
    copy_s, insert_s = raw_copy(database_url, [scratch]), raw_insert(database_url, rows)
    rate = count / generated["seconds"]
    print(f"customer import: {count} rows ({len(body) / 1_048_576:.1f} MiB CSV), no products, blank passwords")
    print(
        f"import (upload → answer): {generated['seconds']:7.2f} s  {rate:8.0f} rows/s  created {generated['created']}"
        f"  (service CPU {generated['cpu']:.1f} s; target ≥ 10,000 rows/s)"
    )
    if watch:
        print(
            f"every learner mapped in client-directory {mapped_after:.2f} s after the import's answer "
            "(target ≤ 30 s, aim ≤ 10 s)"
        )
    print(
        f"  hashing (generated passwords: salted SHA-256, argon2id deferred to first sign-in): "
        f"{generated['hashing']:.2f} s = {generated['hashing'] / generated['seconds']:.1%} of the import"
    )
    if own:
        print(
            f"import with chosen passwords (argon2id, process pool): {chosen} rows in {own['seconds']:.2f} s  "
            f"{chosen / own['seconds']:.0f} rows/s; hashing {own['hashing']:.2f} s = "
            f"{own['hashing'] / own['seconds']:.1%} of it"
        )
    print(f"raw PostgreSQL COPY of the same customer rows:      {copy_s:7.2f} s  {count / copy_s:8.0f} rows/s")
    print(f"raw PostgreSQL INSERT, 1,000 rows per statement:   {insert_s:7.2f} s  {count / insert_s:8.0f} rows/s")
    copy_ratio, insert_ratio = rate / (count / copy_s), rate / (count / insert_s)
    print(f"ratio import / raw COPY: {copy_ratio:.1%}   ratio import / raw INSERT: {insert_ratio:.1%}")
    print(f"service peak memory (VmHWM): {rss_before:.0f} MiB before the import, {rss_peak:.0f} MiB after")
    if watch:
        print(f"upload → every learner mapped: {cpu.line(count)}")


if __name__ == "__main__":
    main()
