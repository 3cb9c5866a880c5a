"""The runbook's restore drill, with its own commands: back up client-directory's database,
lose it, restore the backup, rewind the service's consumer groups to the backup's time with
``trainyard-offsets``, restart — and the projection is whole again."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from support.streams import (
    client_directory,
    create_client,
    mapped_learners,
    publish_registrations,
    topics_of_its_own,
    wait_until,
)

from trainyard_common.contracts import UserRegisteredV2

pytestmark = pytest.mark.e2e

BATCH = 60


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def lose_and_restore(database_url: str, backup: Path) -> None:
    server_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    run("pg_restore", "--dbname", database_url, str(backup))


def test_a_restored_database_catches_up_by_replaying_from_the_backup_time(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str], tmp_path: Path
) -> None:
    database_url, backup = new_database("restore"), tmp_path / "client_directory.dump"
    with topics_of_its_own(kafka_bootstrap, topic_prefix, "restore") as prefix:
        service, domain = (
            client_directory(kafka_bootstrap, prefix, database_url),
            f"restore-{uuid.uuid4().hex[:6]}.example",
        )
        topic = prefix + UserRegisteredV2.topic()
        service.start().wait_ready()
        try:
            create_client(service, domain)
            publish_registrations(kafka_bootstrap, topic, domain, BATCH)
            wait_until(lambda: mapped_learners(database_url) == BATCH, timeout=60)
            run("pg_dump", "--format=custom", "--file", str(backup), database_url)
            backup_time = datetime.now(UTC)
            time.sleep(0.2)
            publish_registrations(kafka_bootstrap, topic, domain, BATCH)  # after the backup
            wait_until(lambda: mapped_learners(database_url) == 2 * BATCH, timeout=60)
        finally:
            service.stop()

        lose_and_restore(database_url, backup)
        assert mapped_learners(database_url) == BATCH  # the backup misses the second batch
        offsets = [sys.executable, "-m", "trainyard_common.messaging.offsets_cli", "--bootstrap", kafka_bootstrap]
        run(*offsets, "--prefix", prefix, "reset", "client-directory", "--to-datetime", backup_time.isoformat())

        service.start().wait_ready()
        try:
            wait_until(lambda: mapped_learners(database_url) == 2 * BATCH, timeout=60)
        finally:
            service.stop()
