"""SIGTERM during a stream of events: in-flight messages finish, their offsets are committed,
the outbox is flushed, the process exits in time — and after a restart nothing is lost or
applied twice."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Callable

import pytest
from support.streams import (
    client_directory,
    create_client,
    mapped_learners,
    publish_registrations,
    topics_of_its_own,
    wait_until,
)

from trainyard_common.contracts import LearnerAssignedToClient, UserRegisteredV2
from trainyard_common.testing.kafka import read_topic
from trainyard_common.testing.processes import LOG_DIR

pytestmark = pytest.mark.e2e

EVENTS = 4000
# Small fetches, so the stream is still flowing when SIGTERM comes: at full batches the service
# maps thousands of learners a second and would be done before it is stopped.
BATCH_SIZE = "20"
GRACE_SECONDS = 30  # Kubernetes' default terminationGracePeriodSeconds


def test_sigterm_mid_stream_loses_nothing_and_applies_nothing_twice(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    with topics_of_its_own(kafka_bootstrap, topic_prefix, "shutdown") as prefix:
        run_through_a_sigterm(kafka_bootstrap, prefix, new_database("shutdown"))


def run_through_a_sigterm(kafka_bootstrap: str, own_prefix: str, database_url: str) -> None:
    service = client_directory(kafka_bootstrap, own_prefix, database_url)
    service.env["TRAINYARD_CONSUMER_BATCH_SIZE"] = BATCH_SIZE
    service.start()
    try:
        service.wait_ready()
        domain = f"shutdown-{uuid.uuid4().hex[:6]}.example"
        create_client(service, domain)
        publish_registrations(kafka_bootstrap, own_prefix + UserRegisteredV2.topic(), domain, EVENTS)
        wait_until(lambda: mapped_learners(database_url) >= EVENTS // 8, timeout=60)

        assert service.process is not None
        stopping = time.monotonic()
        service.process.terminate()
        exit_code = service.process.wait(GRACE_SECONDS)
        took = time.monotonic() - stopping
        service.process = None
        assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once shut down
        assert took < GRACE_SECONDS
        mapped_at_stop = mapped_learners(database_url)
        assert mapped_at_stop < EVENTS, "stopped too late to test anything: raise EVENTS"

        log_file = LOG_DIR / f"client_directory-{service.port}.log"
        before_restart = log_file.stat().st_size
        service.start()
        wait_until(lambda: mapped_learners(database_url) == EVENTS, timeout=120)
    finally:
        service.stop()

    topic = own_prefix + LearnerAssignedToClient.topic()
    records = asyncio.run(read_topic(kafka_bootstrap, topic, until=lambda r: len(r) >= EVENTS))
    assert len({r.key for r in records}) == EVENTS
    assert len(records) == EVENTS  # each learner's assignment announced exactly once
    first_run_log, restarted_log = log_file.read_text()[:before_restart], log_file.read_text()[before_restart:]
    assert "Application shutdown complete" in first_run_log
    assert "duplicate event skipped" not in restarted_log  # offsets of finished messages were committed
