"""Driving one client-directory process with a stream of registrations, on topics of its own.

The registrations are ``UserRegistered.v2`` (sealed with ``TEST_KEY``); client-directory gets the
key from a stand-in of customer-account's key lookup (``trainyard_common.testing.key_stand_in``), since no
customer-account runs beside it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from aiokafka import AIOKafkaProducer

from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.topics import all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.key_stand_in import shared_key_stand_in
from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.sealed_events import registered


@contextmanager
def topics_of_its_own(kafka: str, run_prefix: str, name: str) -> Iterator[str]:
    """Topics of one test alone: no other client-directory shares its consumer groups."""
    prefix = f"{run_prefix}{name}-{uuid.uuid4().hex[:6]}."
    specs = all_topics(partitions=3, prefix=prefix)
    asyncio.run(ensure_topics(kafka, specs))
    try:
        yield prefix
    finally:
        asyncio.run(delete_topics(kafka, [s.name for s in specs]))


def client_directory(kafka: str, prefix: str, database_url: str) -> ServiceProcess:
    env = {
        "TRAINYARD_DATABASE_URL": database_url,
        "TRAINYARD_KAFKA_BOOTSTRAP": kafka,
        "TRAINYARD_TOPIC_PREFIX": prefix,
        "TRAINYARD_ENVIRONMENT": "test",
        "TRAINYARD_CUSTOMER_ACCOUNT_URL": shared_key_stand_in().url,
    }
    return ServiceProcess("client_directory", env)


def create_client(service: ServiceProcess, domain: str) -> None:
    body = {"name": f"Client {domain}", "industry": "Technology", "email_domains": [domain]}
    created = service.signed().post("/v1/clients", json=body)
    assert created.status_code == 201, created.text


def publish_registrations(kafka: str, topic: str, domain: str, count: int) -> list[uuid.UUID]:
    """``count`` registrations on ``topic`` (a prefix + ``UserRegisteredV2.topic()``)."""
    return asyncio.run(_publish(kafka, topic, domain, count))


async def _publish(kafka: str, topic: str, domain: str, count: int) -> list[uuid.UUID]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        deliveries, ids = [], []
        for n in range(count):
            event = registered(
                uuid.uuid4(),
                f"learner-{uuid.uuid4().hex[:8]}@{domain}",
                first_name="Grace",
                last_name=f"Hopper {n}",
                registered_at=datetime.now(UTC),
            )
            headers = Envelope(event_type="UserRegistered", source="/tests").to_headers()
            key = event.aggregate_id().encode()
            deliveries.append(await producer.send(topic, event.model_dump_json().encode(), key=key, headers=headers))
            ids.append(event.customer_id)
        await asyncio.gather(*deliveries)
        return ids
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
