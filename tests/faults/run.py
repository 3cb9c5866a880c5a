"""Runs scenarios x seeds and prints ONE table; exits non-zero unless every row shows 0 lost,
0 applied twice and no unexpected dead letter.

    PYTHONPATH=tests uv run python -m faults [--short] [--seeds 3] [--scenario NAME ...]

(or ``make faults``). The suite starts its own KRaft broker (``broker.py``, port 19192, data in
``.cache/faults/``) and stops it at the end; PostgreSQL is the one in ``TRAINYARD_PG_URL`` (or
``.cache/infra.env``): each scenario gets fresh databases, dropped afterwards.

Per scenario one system (five services); per seed, on it: prepare → stream while the fault
happens → poll the databases until every acknowledged change is applied (or
``RECOVERY_TIMEOUT``) → read the topics. Columns: acknowledged changes (of those attempted),
applied, lost, applied twice, dead letters expected / unexpected, redelivered records (same event
id published again: the relay's at-least-once, harmless), recovery time (fault over → all
applied), peak consumer lag (sum over every consumer's partitions, sampled from ``/metrics``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from faults.broker import OwnBroker
from faults.checker import applied, check_topics, twice_in_databases
from faults.scenarios import SCENARIOS, Context, Scenario
from faults.workload import FULL, SHORT, Size, Workload, fault_system

REPO_ROOT = Path(__file__).resolve().parents[2]
RECOVERY_TIMEOUT = 180.0
LAG = re.compile(r"^trainyard_consumer_lag\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)


@dataclass
class Row:
    scenario: str
    seed: int
    attempted: int = 0
    acknowledged: int = 0
    applied: int = 0
    lost: int = 0
    twice: int = 0
    dlq_expected: int = 0
    dlq_unexpected: int = 0
    redelivered: int = 0
    recovery: float = 0.0
    peak_lag: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.twice == 0 and self.dlq_unexpected == 0 and self.acknowledged > 0


HEADER = (
    "scenario",
    "seed",
    "acked/tried",
    "applied",
    "lost",
    "twice",
    "DLQ exp/unexp",
    "redelivered",
    "recovery s",
    "peak lag",
    "",
)


def table(rows: Sequence[Row]) -> str:
    lines = [HEADER] + [
        (
            r.scenario,
            str(r.seed),
            f"{r.acknowledged}/{r.attempted}",
            str(r.applied),
            str(r.lost),
            str(r.twice),
            f"{r.dlq_expected}/{r.dlq_unexpected}",
            str(r.redelivered),
            f"{r.recovery:.1f}",
            str(r.peak_lag),
            "ok" if r.ok else "FAIL " + "; ".join(r.notes)[:300],
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER) - 1)]
    out = []
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:-1], widths[1:], strict=True)]
        out.append(("| " + " | ".join(cells) + " | " + line[-1]).rstrip())
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


class LagSampler(threading.Thread):
    """Sums ``trainyard_consumer_lag`` over every running domain process, twice a second; keeps the peak."""

    def __init__(self, workload: Workload) -> None:
        super().__init__(daemon=True)
        self.workload, self.peak, self.stopping = workload, 0, threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=3) as http:
            while not self.stopping.wait(0.5):
                total = 0.0
                for process in self.workload.fs.domain_processes():
                    with contextlib.suppress(httpx.HTTPError):
                        total += sum(float(v) for v in LAG.findall(http.get(f"{process.metrics_url}/metrics").text))
                self.peak = max(self.peak, int(total))

    def stop(self) -> int:
        self.stopping.set()
        self.join(5)
        return self.peak


def run_seed(scenario: Scenario, seed: int, ctx_args: dict[str, object], size: Size, short: bool) -> Row:
    fs = ctx_args["fs"]
    rng = random.Random(f"{scenario.name}:{seed}")
    workload = Workload(fs, rng, size)  # type: ignore[arg-type]
    ctx = Context(workload=workload, rng=rng, size=size, short=short, **ctx_args)  # type: ignore[arg-type]
    row = Row(scenario.name, seed)
    if scenario.setup is not None:
        scenario.setup(ctx)
    workload.prepare()
    sampler = LagSampler(workload)
    sampler.start()
    stream = threading.Thread(target=workload.stream, daemon=True)
    stream.start()
    try:
        scenario.fault(ctx)
    finally:
        fault_over = time.monotonic()
        stream.join(300)
    deadline = fault_over + RECOVERY_TIMEOUT
    while True:
        found = _quietly(lambda: applied(workload))
        if (found is not None and found.lost == 0) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    row.recovery = max(0.0, time.monotonic() - fault_over)
    time.sleep(1.0)  # let a late duplicate show up before the topics are read
    row.peak_lag = sampler.stop()
    found = applied(workload)
    ledger = workload.ledger
    row.attempted, row.acknowledged, row.applied, row.lost = (
        ledger.attempted,
        ledger.acknowledged,
        found.applied,
        found.lost,
    )
    if found.missing:
        row.notes.append(f"not applied: {found.missing}")
    fs.poison_keys |= ledger.poison_keys  # type: ignore[attr-defined]
    topics = check_topics(str(ctx_args["bootstrap"]), fs.topic_prefix, fs.poison_keys, fs.counted)  # type: ignore[attr-defined]
    twice = {**topics.applied_twice, **twice_in_databases(workload)}
    row.twice = sum(twice.values())
    if twice:
        row.notes.append(f"applied twice: {twice}")
    row.dlq_expected, row.dlq_unexpected, row.redelivered = (
        topics.dead_letters_expected,
        topics.dead_letters_unexpected,
        topics.redelivered,
    )
    if topics.unexpected_detail:
        row.notes.append(f"unexpected dead letters: {topics.unexpected_detail[:3]}")
    if ledger.poison_keys and topics.dead_letters_expected == 0:
        row.notes.append("no poison dead-lettered")
    return row


def _quietly(call):  # type: ignore[no-untyped-def]
    try:
        return call()
    except Exception:
        return None


def pg_url() -> str:
    url = os.environ.get("TRAINYARD_PG_URL")
    env_file = REPO_ROOT / ".cache" / "infra.env"
    if not url and env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            if key.strip() == "TRAINYARD_PG_URL":
                url = value.strip()
    if not url:
        raise SystemExit("no PostgreSQL: set TRAINYARD_PG_URL or run `bash deploy/local/infra.sh up`")
    return url


@contextlib.contextmanager
def own_broker() -> Iterator[OwnBroker]:
    broker = OwnBroker().start()
    try:
        yield broker
    finally:
        broker.stop()


def run_suite(
    names: Sequence[str],
    seeds: Sequence[int],
    *,
    size: Size,
    short: bool,
    pg: str,
    one_system: bool = False,
    log: bool = True,
) -> list[Row]:
    """Every scenario x seed on the suite's own broker: a fresh system per scenario, or one for all
    (``one_system``: quicker, for scenarios that leave the system as they found it)."""
    rows: list[Row] = []
    began = time.monotonic()
    with own_broker() as broker:
        groups = [list(names)] if one_system else [[name] for name in names]
        for group in groups:
            with fault_system(pg, broker.bootstrap, group[0] if len(group) == 1 else "suite") as fs:
                for name in group:
                    for seed in seeds:
                        args = {"fs": fs, "broker": broker, "bootstrap": broker.bootstrap}
                        try:
                            row = run_seed(SCENARIOS[name], seed, args, size, short)
                        except Exception as exc:  # a scenario that could not run is a failed row, not a crash
                            row = Row(name, seed, lost=-1, notes=[f"error: {exc!r}"])
                        rows.append(row)
                        if log:
                            state = "ok" if row.ok else "FAIL"
                            print(
                                f"  {name} seed {seed}: {state} ({time.monotonic() - began:.0f}s)",
                                file=sys.stderr,
                                flush=True,
                            )
                    fs.stop_extra()  # a scenario's replicas do not outlive it
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="faults", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--short", action="store_true", help="small workload, 10 s database outage")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default: all")
    args = parser.parse_args(argv)
    names = args.scenario or list(SCENARIOS)
    began = time.monotonic()
    rows = run_suite(names, range(1, args.seeds + 1), size=SHORT if args.short else FULL, short=args.short, pg=pg_url())
    print(table(rows))
    failed = [r for r in rows if not r.ok]
    print(f"\n{len(rows)} runs, {len(failed)} failed, {time.monotonic() - began:.0f} s")
    return 1 if failed else 0
