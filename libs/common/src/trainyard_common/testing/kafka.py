"""Reading and writing topics from tests with plain aiokafka, independent of the services."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord

from trainyard_common.messaging.admin import topic_partitions

Record: TypeAlias = ConsumerRecord[bytes, bytes]


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[Record]], bool],
    timeout: float = 30.0,
) -> list[Record]:
    """Read ``topic`` from the beginning (no consumer group) until ``until(records)`` holds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while not until(records):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: condition not met after {timeout}s ({len(records)} records read)")
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()


async def produce(
    bootstrap: str,
    topic: str,
    value: bytes,
    *,
    key: bytes | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> Any:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
    finally:
        await producer.stop()


async def produce_together(
    bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> None:
    """Publish (key, value, headers) records so that a consumer's fetch takes them together.

    One record batch per partition (each key where the default partitioner puts it, as the
    services' producers do): a fetch returns a record batch whole, so the records of one key
    reach a batch handler in one batch, in the order given.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(topic))
        batches: dict[int, Any] = {}
        for key, value, headers in records:
            batch = batches.setdefault(DefaultPartitioner()(key, partitions, partitions), producer.create_batch())
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                raise ValueError("more records than one batch holds")
        sent = [await producer.send_batch(batch, topic, partition=partition) for partition, batch in batches.items()]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def header(record: Record, name: str) -> str | None:
    for key, value in record.headers:
        if key == name:
            return str(value.decode())
    return None
