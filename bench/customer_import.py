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

1. Creates every topic under a run prefix and a fresh database; starts customer-account as a
   real process (``python -m customer_account``, log level WARNING, e-mail sender off).
2. Uploads an N-row CSV (the template's columns) as multipart to ``POST /v1/customer-imports``
   and waits for the answer (the import is synchronous; its relay publishes the events
   meanwhile and afterwards, not timed). Peak memory is the process's VmHWM.
3. Reads the hashing time from the service's ``/metrics``.
4. Baselines, same database: COPY of the same N customer rows into a scratch table shaped like
   ``customers``, and the same rows as multi-row INSERTs of 1,000.

    uv run python bench/customer_import.py [--rows N] [--chosen N]
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from datetime import UTC, datetime

import httpx
import psycopg
from harness import Endpoints, Run, cpu_seconds, find_endpoints, peak_rss_mib, run_topics

from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import ServiceProcess

HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"
ADMIN = {"X-Actor-Admin": "bench"}


def as_csv(run: Run, count: int, *, tag: str, password: str = "") -> bytes:
    lines = [HEADER, *(f"Bench,Learner {i},{tag}{i}@{run.domain},{password},,," for i in range(count))]
    return ("\n".join(lines) + "\n").encode()


def metric(http: httpx.Client, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.e+-]+)$", http.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def timed_import(http: httpx.Client, pid: int, body: bytes) -> dict[str, float]:
    hashing_before = metric(http, "customer_account_import_hashing_seconds_total")
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    response = http.post(
        "/v1/customer-imports", files={"file": ("bench.csv", body, "text/csv")}, data={}, headers=ADMIN
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    result = response.json()
    if result["errors"]:
        raise RuntimeError(f"unexpected row errors: {result['errors'][:3]}")
    return {
        "created": result["created"],
        "seconds": elapsed,
        "hashing": metric(http, "customer_account_import_hashing_seconds_total") - hashing_before,
        "cpu": cpu_seconds(pid) - cpu_before,
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


def raw_copy(database_url: str, rows: list[tuple[object, ...]]) -> float:
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(SCRATCH.format(name="bench_raw_copy"))
        conn.commit()
        started = time.perf_counter()
        with cur.copy(f"COPY bench_raw_copy ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


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
    args = parser.parse_args()
    endpoints: Endpoints = find_endpoints()
    run = Run.new()
    with run_topics(endpoints.kafka, run):
        database_url = create_database(endpoints.pg_url, f"bench_customers_{run.id}")
        service = ServiceProcess(
            "customer_account",
            {
                "TRAINYARD_DATABASE_URL": database_url,
                "TRAINYARD_KAFKA_BOOTSTRAP": endpoints.kafka,
                "TRAINYARD_TOPIC_PREFIX": run.topic_prefix,
                "TRAINYARD_LOG_LEVEL": "WARNING",
                "TRAINYARD_EMAIL_ENABLED": "false",
                "TRAINYARD_IMPORT_MAX_ROWS": str(max(args.rows, args.chosen)),
            },
        )
        try:
            service.start()
            service.wait_ready()
            measure(service, database_url, run, args.rows, args.chosen)
        finally:
            service.stop()
            drop_database(database_url)


def measure(service: ServiceProcess, database_url: str, run: Run, count: int, chosen: int) -> None:
    assert service.process is not None
    pid = service.process.pid
    with httpx.Client(base_url=service.url, timeout=3600) as http:
        body = as_csv(run, count, tag="gen")
        rss_before = peak_rss_mib(pid)
        generated = timed_import(http, pid, body)
        rss_peak = peak_rss_mib(pid)
        own = (
            timed_import(http, pid, as_csv(run, chosen, tag="own", password="a chosen passphrase")) if chosen else None
        )
    rows = customer_rows(count)
    copy_s, insert_s = raw_copy(database_url, rows), raw_insert(database_url, rows)
    rate = count / generated["seconds"]
    print(f"customer import: {count} rows ({len(body) / 1_048_576:.1f} MiB CSV), no products, blank passwords")
    print(
        f"import (upload → answer): {generated['seconds']:7.2f} s  {rate:8.0f} rows/s  created {generated['created']}"
        f"  (service CPU {generated['cpu']:.1f} s)"
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


if __name__ == "__main__":
    main()
