"""The Kafka producer used by the outbox relay and the dead-letter path, and the record batches
the relay publishes through it."""

from __future__ import annotations

import asyncio
import functools
import struct
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder

Headers = list[tuple[str, bytes]]

# How big one record batch (a partition's share of a produce request) may grow. At the default
# 16 KiB, ~16 of our ~1 KB records, a relay cycle of 5,000 rows waits for hundreds of acks=all
# round trips; at 512 KiB for a few. It stays below the broker's default `max.message.bytes`
# (1 MiB), which caps a batch. 256 KiB, 512 KiB and 1000 KiB measured alike.
MAX_BATCH_BYTES = 512 * 1024


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    """Idempotent, ``acks=all``: a retried send never duplicates or reorders within a partition.

    Not compressed. Measured on the 2-core machine (loopback, 100,000 ~1 KB events): zstd
    (aiokafka needs `cramjam` for any codec) packs records 2.75x smaller but costs the relay
    +2.7 µs of CPU per event (+17 %) and saves the broker ~1 µs and a plain consumer ~1 µs per
    record: a wash in CPU and throughput where bytes cost nothing; lz4 costs the relay +10 µs.
    Worth measuring again where the network or the broker's disk is the limit.
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,  # for `send` (dead letters); the relay's batches are closed and leave at once
        max_batch_size=MAX_BATCH_BYTES,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


class RecordBatches:
    """Records gathered into one open record batch per partition; a full batch is submitted at
    once, the rest by ``submit_rest``, each closed so it leaves without lingering.

    Half the CPU of ``producer.send`` per record (a relay cycle measured 16 µs of CPU per event
    this way, 32 µs with ``send``): no coroutine, metadata lookup, partitioner call and future
    per record, one delivery future per batch. The partition is the one ``send`` would choose
    (the default partitioner: murmur2 of the key, as in the Java client), so a key keeps its
    partition whichever way it was published. A partition has at most one batch waiting besides
    the one on the wire (``send_batch`` waits), and the idempotent producer keeps a partition's
    batches in order.
    """

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._partitions: dict[str, list[int]] = {}
        self._open: dict[tuple[str, int], BatchBuilder] = {}
        self.deliveries: list[asyncio.Future[Any]] = []
        self.counts: Counter[str] = Counter()
        """Records per topic, for the published-messages metric."""

    async def add(self, topic: str, key: bytes, value: bytes, headers: Headers) -> None:
        target = (topic, await self._partition(topic, key))
        batch = self._open.get(target) or self._start(target)
        if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
            await self._submit(target, batch)  # full: it leaves, the record opens the next one
            self._start(target).append(key=key, value=value, timestamp=None, headers=headers)
        self.counts[topic] += 1

    async def submit_rest(self) -> None:
        for target, batch in list(self._open.items()):
            await self._submit(target, batch)

    async def _partition(self, topic: str, key: bytes) -> int:
        partitions = self._partitions.get(topic)
        if partitions is None:
            partitions = self._partitions[topic] = sorted(await self._producer.partitions_for(topic))
        return partition_for(key, partitions)

    def _start(self, target: tuple[str, int]) -> BatchBuilder:
        batch = self._open[target] = self._producer.create_batch()
        return batch

    async def _submit(self, target: tuple[str, int], batch: BatchBuilder) -> None:
        del self._open[target]
        batch.close()
        topic, partition = target
        self.deliveries.append(await self._producer.send_batch(batch, topic, partition=partition))


def partition_for(key: bytes, partitions: Sequence[int]) -> int:
    """The partition aiokafka's default partitioner (and Java's) gives a key."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (``org.apache.kafka.common.utils.Utils.murmur2``), equal to aiokafka's
    ``partitioner.murmur2`` but twice as fast: it reads the key four bytes at a time. aiokafka's
    took a third of the relay's CPU (py-spy)."""
    length = len(data)
    h = 0x9747B28C ^ length
    for word in _words(length >> 2).unpack_from(data):
        k = (word * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    if tail := length & 3:
        h = ((h ^ int.from_bytes(data[length - tail :], "little")) * _M) & _MASK
    h = ((h ^ (h >> 13)) * _M) & _MASK
    return h ^ (h >> 15)


@functools.cache
def _words(count: int) -> struct.Struct:
    return struct.Struct(f"<{count}I")


class LazyProducer:
    """Started on first use (most services never dead-letter anything), once, even when many
    subscribers ask at the same moment."""

    def __init__(self, factory: Callable[[], AIOKafkaProducer]) -> None:
        self._factory = factory
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = self._factory()
                await producer.start()
                self._producer = producer
            return self._producer

    async def close(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
