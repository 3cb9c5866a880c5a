"""Offsets are committed in batches, explicitly, and only for finished messages; failures are
classified as the infrastructure's (retry for ever) or the message's (retry, then dead-letter)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from trainyard_common.contracts import UserRegistered
from trainyard_common.messaging.delivery import Delivery, RetryPolicy
from trainyard_common.messaging.envelope import Envelope, EnvelopeError
from trainyard_common.messaging.errors import TransientError, is_malformed, is_transient
from trainyard_common.messaging.offsets import OffsetCommitter


class RecordingConsumer:
    """Stands in for AIOKafkaConsumer.commit: records what would be sent to the broker."""

    def __init__(self, failures: int = 0, assigned: set[TopicPartition] | None = None) -> None:
        self.commits: list[dict[TopicPartition, int]] = []
        self.failures = failures
        self.assigned = assigned if assigned is not None else {TopicPartition("T", 0), TopicPartition("T", 1)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.failures:
            self.failures -= 1
            raise CommitFailedError("rebalanced")
        self.commits.append(dict(offsets))

    def assignment(self) -> set[TopicPartition]:
        return self.assigned


async def test_many_finished_messages_make_one_commit_per_flush() -> None:
    consumer, committer = RecordingConsumer(), OffsetCommitter()
    for offset in range(100):
        committer.finished(consumer, "T", offset % 2, offset)  # type: ignore[arg-type]
    await committer.flush()
    await committer.flush()  # nothing new: no second round trip
    assert consumer.commits == [{TopicPartition("T", 0): 99, TopicPartition("T", 1): 100}]


async def test_the_committed_offset_is_the_next_one_to_read() -> None:
    consumer, committer = RecordingConsumer(), OffsetCommitter()
    committer.finished(consumer, "T", 0, 41)  # type: ignore[arg-type]
    await committer.flush()
    assert consumer.commits == [{TopicPartition("T", 0): 42}]


async def test_a_failed_commit_is_retried_for_partitions_still_assigned() -> None:
    consumer = RecordingConsumer(failures=1, assigned={TopicPartition("T", 0)})
    committer = OffsetCommitter()
    committer.finished(consumer, "T", 0, 1)  # type: ignore[arg-type]
    committer.finished(consumer, "T", 1, 7)  # type: ignore[arg-type]  # rebalanced away meanwhile
    await committer.flush()  # fails: nothing raised
    committer.finished(consumer, "T", 0, 0)  # type: ignore[arg-type]  # an older offset never wins
    await committer.flush()
    assert consumer.commits == [{TopicPartition("T", 0): 2}]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OperationalError("SELECT 1", {}, Exception("connection refused")), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (TransientError("projection not there yet"), True),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (ValueError("bad payload"), False),
        (KeyError("ce_id"), False),
    ],
)
def test_failures_are_classified(error: Any, transient: bool) -> None:
    assert is_transient(error) is transient


def test_unreadable_messages_are_recognised() -> None:
    with pytest.raises(ValidationError) as caught:
        UserRegistered.model_validate_json(b"{not json")
    assert is_malformed(caught.value)
    assert is_malformed(EnvelopeError("missing CloudEvents headers: ce_id"))
    assert not is_malformed(ValueError("handler rule"))


def test_retry_delays_grow_and_are_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=0.2, max_seconds=1.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.2, 0.4, 0.8, 1.0, 1.0]


def _registration_record(offset: int) -> Any:
    registered = UserRegistered(
        customer_id=uuid.uuid4(), email="", first_name="", last_name="", source="self_registration",
        registered_at=datetime.now(UTC),
    )  # fmt: skip
    envelope = Envelope(event_type="UserRegistered", source="test", schema_version=1, event_id=str(uuid.uuid4()))
    return ConsumerRecord(
        topic="UserRegistered", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=None,
        value=registered.model_dump_json().encode(), checksum=None, serialized_key_size=0,
        serialized_value_size=0, headers=envelope.to_headers(),
    )  # fmt: skip


async def test_a_batch_waiting_out_an_outage_is_left_for_the_restart_when_the_service_stops() -> None:
    """A dependency away (a transient failure, retried for ever): the stop does not wait for it.
    The batch ends at once, its offset is not committed, so it is delivered again after the restart."""
    consumer, committer = RecordingConsumer(assigned={TopicPartition("UserRegistered", 0)}), OffsetCommitter()
    delivery = Delivery(
        consumer_group="test", producer=_no_producer, committer=committer, retry=RetryPolicy(base_seconds=60)
    )
    attempts = 0

    async def away(_: Any) -> None:
        nonlocal attempts
        attempts += 1
        raise TransientError("customer-account unreachable")

    records = [_registration_record(offset) for offset in (3, 4)]
    delivering = asyncio.create_task(delivery.deliver(consumer, records, UserRegistered, away))  # type: ignore[arg-type]
    await asyncio.sleep(0.1)  # the first attempt failed: it waits 60 s before the next
    assert await delivery.drain(timeout=5)  # the batch gave up at once
    await delivering
    await committer.flush()
    assert attempts == 1
    assert consumer.commits == []


async def _no_producer() -> Any:
    raise AssertionError("nothing is dead-lettered")
