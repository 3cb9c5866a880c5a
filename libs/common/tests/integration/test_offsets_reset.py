"""`trainyard-offsets reset` moves a stopped service's groups back, to replay from a point in time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from trainyard_common.messaging.offsets_cli import reset_group, service_groups
from trainyard_common.messaging.topics import TopicSpec
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.kafka import produce

pytestmark = pytest.mark.integration


async def committed(kafka: str, group: str, partition: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(partition)
    finally:
        await consumer.stop()


async def test_a_service_group_is_rewound_to_a_time_or_the_start(kafka_bootstrap: str) -> None:
    service, topic = f"svc{uuid.uuid4().hex[:6]}", f"Replay{uuid.uuid4().hex[:6]}"
    group, partition = f"{service}.{topic}", TopicPartition(topic, 0)
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, partitions=1)])
    try:
        await produce(kafka_bootstrap, topic, b"before")
        await asyncio.sleep(0.05)
        between = datetime.now(UTC)
        await asyncio.sleep(0.05)
        for value in (b"after-1", b"after-2"):
            await produce(kafka_bootstrap, topic, value)
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        consumer.assign([partition])
        await consumer.commit({partition: 3})  # as if the service had consumed everything
        await consumer.stop()

        assert await service_groups(kafka_bootstrap, service) == {group: topic}
        await reset_group(kafka_bootstrap, group, topic, between)
        assert await committed(kafka_bootstrap, group, partition) == 1
        await reset_group(kafka_bootstrap, group, topic, None)
        assert await committed(kafka_bootstrap, group, partition) == 0
    finally:
        await delete_topics(kafka_bootstrap, [topic])
