"""Where tests find Kafka and PostgreSQL, in this order:

1. endpoints given by ``TRAINYARD_KAFKA_BOOTSTRAP`` and ``TRAINYARD_PG_URL``;
2. testcontainers, when a Docker engine answers;
3. the project's local launcher (``deploy/local/infra.sh``), stopped again afterwards if
   this test run started it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[5]
LAUNCHER = REPO_ROOT / "deploy" / "local" / "infra.sh"


@dataclass(frozen=True, slots=True)
class Endpoints:
    kafka_bootstrap: str
    pg_url: str
    local_launcher: bool


@contextlib.contextmanager
def infrastructure() -> Iterator[Endpoints]:
    kafka, pg = os.environ.get("TRAINYARD_KAFKA_BOOTSTRAP"), os.environ.get("TRAINYARD_PG_URL")
    if kafka and pg:
        yield Endpoints(kafka, pg, local_launcher=_launcher_manages(kafka))
    elif _docker_answers():
        with _containers() as endpoints:
            yield endpoints
    else:
        with _local_launcher() as endpoints:
            yield endpoints


def _launcher_manages(kafka_bootstrap: str) -> bool:
    """True when the broker is the one the local launcher runs (tests may stop and start it)."""
    port = os.environ.get("TRAINYARD_LOCAL_KAFKA_PORT", "9092")
    return kafka_bootstrap == f"127.0.0.1:{port}" and LAUNCHER.exists()


def _docker_answers() -> bool:
    try:
        import docker  # noqa: PLC0415 - only with testcontainers

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _containers() -> Iterator[Endpoints]:
    from testcontainers.kafka import KafkaContainer  # noqa: PLC0415
    from testcontainers.postgres import PostgresContainer  # noqa: PLC0415

    with (
        KafkaContainer("apache/kafka:4.1.0").with_kraft() as kafka,
        PostgresContainer("postgres:16", username="trainyard", password="trainyard") as pg,  # noqa: S106 - throwaway container
    ):
        url = f"postgresql://trainyard:trainyard@{pg.get_container_host_ip()}:{pg.get_exposed_port(5432)}"
        yield Endpoints(kafka.get_bootstrap_server(), url, local_launcher=False)


@contextlib.contextmanager
def _local_launcher() -> Iterator[Endpoints]:
    owner = f"pytest-{secrets.token_hex(4)}"
    subprocess.run(["bash", str(LAUNCHER), "up", "--owner", owner], check=True, stdout=subprocess.DEVNULL)
    try:
        env = subprocess.run(["bash", str(LAUNCHER), "env"], check=True, capture_output=True, text=True).stdout
        values = dict(line.removeprefix("export ").split("=", 1) for line in env.splitlines() if "=" in line)
        yield Endpoints(values["TRAINYARD_KAFKA_BOOTSTRAP"], values["TRAINYARD_PG_URL"], local_launcher=True)
    finally:
        subprocess.run(["bash", str(LAUNCHER), "down", "--owner", owner], check=False)
