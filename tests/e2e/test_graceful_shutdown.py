"""SIGTERM during a stream of events: in-flight messages finish, their offsets are committed,
the outbox is flushed, the process exits in time — and after a restart nothing is lost or
applied twice."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from trainyard_common.contracts import LearnerAssignedToClient, RegistrationSource, UserRegistered
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.topics import all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.kafka import read_topic
from trainyard_common.testing.processes import LOG_DIR, ServiceProcess

pytestmark = pytest.mark.e2e

EVENTS = 400
GRACE_SECONDS = 30  # Kubernetes' default terminationGracePeriodSeconds


@pytest.fixture
def own_prefix(kafka_bootstrap: str, topic_prefix: str) -> Iterator[str]:
    """Topics of this test alone: no other client-directory shares its consumer group."""
    prefix = f"{topic_prefix}shutdown-{uuid.uuid4().hex[:6]}."
    specs = all_topics(partitions=3, prefix=prefix)
    asyncio.run(ensure_topics(kafka_bootstrap, specs))
    yield prefix
    asyncio.run(delete_topics(kafka_bootstrap, [s.name for s in specs]))


async def publish_registrations(kafka: str, topic: str, domain: str) -> None:
    from aiokafka import AIOKafkaProducer  # noqa: PLC0415

    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        deliveries = []
        for n in range(EVENTS):
            event = UserRegistered(
                customer_id=uuid.uuid4(),
                email=f"learner{n}@{domain}",
                first_name="Grace",
                last_name=f"Hopper {n}",
                source=RegistrationSource.SELF_REGISTRATION,
                registered_at=datetime.now(UTC),
            )
            headers = Envelope(event_type="UserRegistered", source="/tests").to_headers()
            key = event.aggregate_id().encode()
            deliveries.append(await producer.send(topic, event.model_dump_json().encode(), key=key, headers=headers))
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


def mapped_learners(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM learners WHERE client_id IS NOT NULL").fetchone()
    return int(row[0]) if row else 0


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def test_sigterm_mid_stream_loses_nothing_and_applies_nothing_twice(
    kafka_bootstrap: str, own_prefix: str, new_database: Callable[[str], str]
) -> None:
    database_url = new_database("shutdown")
    service = ServiceProcess(
        "client_directory",
        {
            "TRAINYARD_DATABASE_URL": database_url,
            "TRAINYARD_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "TRAINYARD_TOPIC_PREFIX": own_prefix,
            "TRAINYARD_ENVIRONMENT": "test",
        },
    ).start()
    try:
        service.wait_ready()
        domain = f"shutdown-{uuid.uuid4().hex[:6]}.example"
        created = httpx.post(
            f"{service.url}/v1/clients", json={"name": "Grace Co", "industry": "Technology", "email_domains": [domain]}
        )
        assert created.status_code == 201, created.text
        asyncio.run(publish_registrations(kafka_bootstrap, own_prefix + UserRegistered.topic(), domain))
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
