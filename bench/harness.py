"""What every benchmark here needs: the infrastructure's endpoints, a run's own topic namespace,
process CPU time, percentiles. Benchmarks run as scripts (``uv run python bench/<name>.py``),
so this module is imported as ``harness`` from the scripts' own folder."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import statistics
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from trainyard_common.messaging.topics import TopicSpec, all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.system import System, running_system

REPO_ROOT = Path(__file__).resolve().parents[1]
INFRA_ENV = REPO_ROOT / ".cache" / "infra.env"
PARTITIONS = 3


@dataclass(frozen=True, slots=True)
class Endpoints:
    kafka: str
    pg_url: str


def find_endpoints() -> Endpoints:
    """From the environment, else from the file ``deploy/local/infra.sh up`` writes."""
    values = {k: v for k, v in os.environ.items() if k.startswith("TRAINYARD_")}
    if INFRA_ENV.exists():
        for line in INFRA_ENV.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            values.setdefault(key.strip(), value.strip())
    try:
        return Endpoints(values["TRAINYARD_KAFKA_BOOTSTRAP"], values["TRAINYARD_PG_URL"])
    except KeyError:
        raise SystemExit("no infrastructure: run `bash deploy/local/infra.sh up` first") from None


@dataclass(frozen=True, slots=True)
class Run:
    """This run's own names: topic namespace and e-mail domain (only its data is counted)."""

    id: str

    @classmethod
    def new(cls) -> Run:
        return cls(uuid.uuid4().hex[:10])

    @property
    def topic_prefix(self) -> str:
        return f"bench-{self.id}."

    @property
    def domain(self) -> str:
        return f"bench-{self.id}.example"

    def topics(self) -> list[TopicSpec]:
        return all_topics(partitions=PARTITIONS, prefix=self.topic_prefix)


@contextlib.contextmanager
def run_topics(bootstrap: str, run: Run) -> Iterator[None]:
    """Every declared topic under the run's prefix, deleted afterwards."""
    specs = run.topics()
    asyncio.run(ensure_topics(bootstrap, specs))
    try:
        yield
    finally:
        asyncio.run(delete_quietly(bootstrap, [s.name for s in specs]))


async def delete_quietly(bootstrap: str, names: list[str]) -> None:
    try:
        await delete_topics(bootstrap, names)
    except Exception as exc:
        print(f"(could not delete {len(names)} bench topic(s): {exc!r})")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(sorted_values: list[float], p: int) -> float:
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[p - 1]


@contextlib.contextmanager
def benchmarked_system(
    endpoints: Endpoints, run: Run, *, service_env: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[System]:
    """The whole system as processes on the run's own topics (deleted afterwards), logging warnings only."""
    with (
        run_topics(endpoints.kafka, run),
        running_system(
            endpoints.pg_url,
            endpoints.kafka,
            run.topic_prefix,
            admin_username="bench-admin",
            admin_password=secrets.token_urlsafe(16),
            common_env={"TRAINYARD_LOG_LEVEL": "WARNING"},
            service_env=service_env,
        ) as system,
    ):
        yield system


def process_cpu(system: System, packages: Iterable[str] | None = None) -> dict[str, float]:
    """CPU seconds used so far by each service process (all of them, or those ``packages``)."""
    wanted = set(packages) if packages is not None else None
    return {
        service.package: cpu_seconds(service.process.pid) if service.process else float("nan")
        for service in system.processes()
        if wanted is None or service.package in wanted
    }
