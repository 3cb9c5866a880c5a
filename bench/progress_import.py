"""A progress import of N rows (default 100,000) through training-progress: the analysis and the
commit, each in rows/s, the service's peak memory, and a plain PostgreSQL COPY of the same rows
into a scratch table of the same database, in the same run (the ratio is the figure).

What one run does (and leaves nothing behind):

1. Creates every topic under a run prefix and a fresh database; starts training-progress as a
   real process (``python -m training_progress``, log level WARNING).
2. Creates a catalogue through the service's internal API (50 modules, 10 courses of 5 modules,
   2 certifications of 5 courses) and N customers written straight into its customer projection
   (what UserRegistered would leave there; the bench is a measuring tool).
3. Analysis: uploads an N-row CSV (one row per customer, a module each) as multipart, and polls
   ``GET /v1/progress-imports/{id}`` until it is analysed. Clock: upload start → analysed.
4. Commit: ``POST /v1/progress-imports/{id}/commit`` and polls until committed. Clock: request →
   committed (N completions, the roll-up to courses, and every event written into the outbox by the
   same SQL statements, in one transaction). The relay publishing those events afterwards is not
   timed. Besides the service's CPU, the CPU of the PostgreSQL backends serving its database
   (local infrastructure only: /proc) shows where the work is now.
5. Baseline: the same N rows (row number + 4 text columns) COPYed by psycopg into a plain
   table of the same database.

    uv run python bench/progress_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

import httpx
import psycopg
from harness import (
    CopyTable,
    Run,
    cpu_seconds,
    find_endpoints,
    fresh_databases,
    peak_rss_mib,
    raw_copy,
    run_header,
    run_topics,
    running,
    service_process,
)

from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.service_auth import GatewayStandIn

MODULES, COURSES, CERTIFICATIONS = 50, 10, 2


def make_catalogue(http: httpx.Client) -> list[str]:
    """Modules, courses and certifications; returns the module names."""
    names = [f"Bench module {i}" for i in range(MODULES)]
    ids = [http.post("/v1/modules", json={"name": n}).json()["id"] for n in names]
    courses = [
        http.post("/v1/courses", json={"name": f"Bench course {c}", "module_ids": ids[c * 5 : c * 5 + 5]}).json()["id"]
        for c in range(COURSES)
    ]
    for c in range(CERTIFICATIONS):
        http.post("/v1/certifications", json={"name": f"Bench cert {c}", "course_ids": courses[c * 5 : c * 5 + 5]})
    return names


def seed_customers(database_url: str, run: Run, count: int) -> list[str]:
    emails = [f"learner{i}@{run.domain}" for i in range(count)]
    now = datetime.now(UTC)
    columns = "customer_id, email, first_name, last_name, registered_at"
    with (
        psycopg.connect(database_url) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY customers ({columns}) FROM STDIN") as copy,
    ):
        for email in emails:
            copy.write_row((uuid.uuid4(), email, "Bench", "Learner", now))
    return emails


def csv_rows(emails: list[str], modules: list[str]) -> list[tuple[str, str, str, str]]:
    return [(e, "module", modules[i % len(modules)], "2025-03-24") for i, e in enumerate(emails)]


def as_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Email,Training Type,Name,Date (yyyy-mm-dd)", *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def wait_status(http: httpx.Client, import_id: str, status: str, timeout: float = 600) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = http.get(f"/v1/progress-imports/{import_id}").json()
        if state["status"] == status:
            return dict(state)
        if state["status"] == "failed" or state.get("failure"):
            raise RuntimeError(f"import failed: {state}")
        time.sleep(0.05)
    raise TimeoutError(f"import {import_id} never reached {status}")


def database_cpu(database_url: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to this database (the service's
    pool keeps its connections, so the difference over a step is that step's database work); NaN
    when the server's processes are not visible from here."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(cpu_seconds(pid) for (pid,) in rows)


def raw_copy_seconds(database_url: str, rows: list[tuple[str, str, str, str]]) -> float:
    """The same rows, with their CSV row number, COPYed into a plain table."""
    scratch = CopyTable(
        "bench_raw_rows",
        "CREATE TABLE bench_raw_rows (row_number int, email text, kind text, name text, day text)",
        ("row_number", "email", "kind", "name", "day"),
        [(number, *row) for number, row in enumerate(rows, start=2)],
    )
    return raw_copy(database_url, [scratch])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    endpoints = find_endpoints()
    print(run_header())
    run = Run.new()
    with run_topics(endpoints.kafka, run), fresh_databases(endpoints.pg_url, "bench_progress") as (database_url,):
        # Inline time 0: both steps answer 202 at once and the bench polls their status.
        service = service_process(
            "training_progress", endpoints, run, database_url, TRAINYARD_IMPORT_INLINE_SECONDS="0"
        )
        with running(service):
            measure(service, database_url, run, args.rows)


def measure(service: ServiceProcess, database_url: str, run: Run, count: int) -> None:
    assert service.process is not None
    pid = service.process.pid
    with httpx.Client(base_url=service.url, timeout=600, auth=GatewayStandIn()) as http:
        modules = make_catalogue(http)
        rows = csv_rows(seed_customers(database_url, run, count), modules)
        body = as_csv(rows)
        rss_before, cpu_before = peak_rss_mib(pid), cpu_seconds(pid)
        started = time.perf_counter()
        created = http.post("/v1/progress-imports", files={"file": ("bench.csv", body, "text/csv")})
        import_id = created.json()["id"]
        analysed = wait_status(http, import_id, "analysed")
        analysis_s = time.perf_counter() - started
        cpu_analysis = cpu_seconds(pid) - cpu_before
        db_before = database_cpu(database_url)
        started = time.perf_counter()
        http.post(f"/v1/progress-imports/{import_id}/commit")
        committed = wait_status(http, import_id, "committed")
        commit_s = time.perf_counter() - started
        cpu_commit = cpu_seconds(pid) - cpu_before - cpu_analysis
        db_commit = database_cpu(database_url) - db_before
        rss_peak = peak_rss_mib(pid)
    with psycopg.connect(database_url) as conn:
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()
    copy_s = raw_copy_seconds(database_url, rows)
    copy_rate = count / copy_s
    print(f"progress import: {count} rows ({len(body) / 1_048_576:.1f} MiB CSV), {MODULES} modules, {COURSES} courses")
    print(
        f"analysis (upload → analysed): {analysis_s:6.2f} s  {count / analysis_s:9.0f} rows/s  "
        f"new {analysed['new']}, already {analysed['already_completed']}, errors {analysed['errors']}  "
        f"(service CPU {cpu_analysis:.1f} s)"
    )
    print(
        f"commit (request → committed):  {commit_s:6.2f} s  {count / commit_s:9.0f} rows/s  "
        f"imported {committed['imported']}, events in outbox at the end {outbox[0] if outbox else '?'}  "
        f"(service CPU {cpu_commit:.1f} s, PostgreSQL CPU {db_commit:.1f} s)"
    )
    print(f"raw PostgreSQL COPY of the same rows: {copy_s:6.2f} s  {copy_rate:9.0f} rows/s")
    print(
        f"ratio analysis / raw COPY: {count / analysis_s / copy_rate:.1%}   "
        f"ratio commit / raw COPY: {count / commit_s / copy_rate:.1%}"
    )
    print(f"service peak memory (VmHWM): {rss_before:.0f} MiB before the import, {rss_peak:.0f} MiB after")


if __name__ == "__main__":
    main()
