"""`trainyard-topics ensure` makes the cluster match the declaration, and is safe to re-run."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from trainyard_common.messaging.admin import topic_partitions
from trainyard_common.messaging.topics import DAY_MS, TopicSpec
from trainyard_common.messaging.topics_cli import apply_topics, delete_topics

pytestmark = pytest.mark.integration


async def retention_of(kafka: str, topic: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    (resource,) = response.resources
    return next(str(entry[1]) for entry in resource[4] if entry[0] == "retention.ms")


async def retention_settles_at(kafka: str, topic: str, expected: str) -> str:
    """The controller accepts a change before every broker's metadata shows it (KRaft applies
    config records asynchronously), so a read straight after the change may see the old value."""
    seen = await retention_of(kafka, topic)
    for _ in range(50):
        if seen == expected:
            break
        await asyncio.sleep(0.1)
        seen = await retention_of(kafka, topic)
    return seen


async def visible(kafka: str, topic: str) -> None:
    for _ in range(50):
        if await topic_partitions(kafka, topic):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(topic)


async def test_topics_are_created_grown_and_reconfigured_idempotently(kafka_bootstrap: str) -> None:
    name = f"topics-{uuid.uuid4().hex[:8]}"
    try:
        first = await apply_topics(kafka_bootstrap, [TopicSpec(name, partitions=2, retention_ms=DAY_MS)])
        await visible(kafka_bootstrap, name)  # cluster metadata catches up within moments
        again = await apply_topics(kafka_bootstrap, [TopicSpec(name, partitions=2, retention_ms=DAY_MS)])
        changed = await apply_topics(kafka_bootstrap, [TopicSpec(name, partitions=4, retention_ms=2 * DAY_MS)])

        assert first.created == [name]
        assert again.created == []
        assert again.grown == []
        assert changed.grown == [name]
        assert len(await topic_partitions(kafka_bootstrap, name)) == 4
        assert await retention_settles_at(kafka_bootstrap, name, str(2 * DAY_MS)) == str(2 * DAY_MS)
    finally:
        await delete_topics(kafka_bootstrap, [name])
