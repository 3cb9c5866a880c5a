"""The relay's partitioner gives every key the partition aiokafka's default partitioner gives it."""

from __future__ import annotations

import random
import uuid

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from trainyard_common.messaging.producer import murmur2, partition_for


def test_murmur2_equals_aiokafkas_for_every_length_and_tail() -> None:
    rng = random.Random(12)
    keys = [rng.randbytes(length) for length in range(300) for _ in range(5)]
    assert [murmur2(key) for key in keys] == [aiokafka_murmur2(key) for key in keys]


def test_a_key_gets_the_partition_producer_send_would_choose() -> None:
    keys = [str(uuid.uuid4()).encode() for _ in range(2000)]
    for count in (1, 3, 6, 7):
        partitions = list(range(count))
        assert [partition_for(key, partitions) for key in keys] == [
            DefaultPartitioner()(key, partitions, partitions) for key in keys
        ]
