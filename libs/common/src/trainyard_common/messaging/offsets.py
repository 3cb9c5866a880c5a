"""Offsets committed in batches, and only for messages that are finished.

A message is finished when its handler's transaction committed, or when it was dead-lettered.
Finished offsets are remembered per consumer and partition and committed explicitly every
``interval`` seconds: one round trip per partition per interval instead of one per message.
Committing explicit offsets (never "whatever was consumed") means an in-flight or failed
message can never be skipped by a later commit. A crash loses at most one interval of
commits; those messages are redelivered and dropped by the idempotent consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from trainyard_common.logs import get_logger
from trainyard_common.metrics import CONSUMER_LAG

log = get_logger(__name__)


class OffsetCommitter:
    def __init__(self, interval: float = 0.5) -> None:
        self._interval = interval
        self._pending: dict[AIOKafkaConsumer, dict[TopicPartition, int]] = {}
        self._positions: dict[AIOKafkaConsumer, dict[TopicPartition, int]] = {}

    def finished(self, consumer: AIOKafkaConsumer, topic: str, partition: int, offset: int) -> None:
        pending, partition_key = self._pending.setdefault(consumer, {}), TopicPartition(topic, partition)
        pending[partition_key] = max(pending.get(partition_key, 0), offset + 1)
        self._positions.setdefault(consumer, {})[partition_key] = pending[partition_key]

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for consumer, offsets in pending.items():
            try:
                await consumer.commit(offsets)
            except (KafkaError, AssertionError) as exc:
                log.warning("offset commit failed; retrying what is still ours", error=repr(exc))
                self._retry_later(consumer, offsets)

    def _retry_later(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Keep the offsets of partitions still assigned (a rebalance that gave them back, the
        broker briefly away); drop the others — their new owner redelivers, and the idempotent
        consumer skips what was already applied."""
        assigned = consumer.assignment()
        pending = self._pending.setdefault(consumer, {})
        for partition, offset in offsets.items():
            if partition in assigned and pending.get(partition, -1) < offset:
                pending[partition] = offset

    async def hand_over(self, consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]) -> None:
        """Partitions are being revoked: commit what was finished on them now (their next owner
        starts there) and stop reporting their lag."""
        revoked = set(partitions)
        pending = self._pending.get(consumer, {})
        offsets = {tp: pending.pop(tp) for tp in revoked & pending.keys()}
        if offsets:
            try:
                await consumer.commit(offsets)
            except (KafkaError, AssertionError) as exc:
                log.warning("offset commit at hand-over failed; the next owner redelivers", error=repr(exc))
        positions = self._positions.get(consumer, {})
        for tp in revoked & positions.keys():
            del positions[tp]
            with contextlib.suppress(KeyError):
                CONSUMER_LAG.remove(tp.topic, str(tp.partition))

    def observe_lag(self) -> None:
        """Consumer lag per partition for /metrics: the broker's high watermark (as last fetched)
        minus the next offset this consumer will finish."""
        for consumer, positions in self._positions.items():
            for partition, position in positions.items():
                highwater = consumer.highwater(partition)
                if highwater is not None:
                    CONSUMER_LAG.labels(partition.topic, str(partition.partition)).set(max(highwater - position, 0))

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self._interval)
                await self.flush()
                self.observe_lag()
        finally:
            await self.flush()
