"""Dead-letter topics: ``<topic>.DLQ`` holds messages that failed after bounded retries.

The original key, value and headers are kept; ``dlq_*`` headers say why and where from, so
a dead letter can be listed, understood and replayed onto its original topic
(``trainyard-dlq list|replay``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from trainyard_common.error_text import describe_error
from trainyard_common.messaging.admin import topic_partitions

DLQ_SUFFIX = ".DLQ"
MAX_ERROR_CHARS = 2000


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def dead_letter_headers(
    record: ConsumerRecord[bytes, bytes], error: BaseException, *, consumer_group: str, attempts: int
) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
    details = describe_error(error)  # what failed, never with which values (no e-mail in a header)
    added = {
        "dlq_error": details[:MAX_ERROR_CHARS],
        "dlq_error_type": type(error).__qualname__,
        "dlq_original_topic": record.topic,
        "dlq_original_partition": str(record.partition),
        "dlq_original_offset": str(record.offset),
        "dlq_consumer_group": consumer_group,
        "dlq_attempts": str(attempts),
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    return kept + [(k, v.encode()) for k, v in added.items()]


async def send_to_dead_letters(
    producer: AIOKafkaProducer,
    record: ConsumerRecord[bytes, bytes],
    error: BaseException,
    *,
    consumer_group: str,
    attempts: int,
) -> None:
    await producer.send_and_wait(
        dlq_topic(record.topic),
        value=record.value,
        key=record.key,
        headers=dead_letter_headers(record, error, consumer_group=consumer_group, attempts=attempts),
    )


@dataclass(frozen=True, slots=True)
class DeadLetter:
    offset: int
    original_topic: str
    original_partition: int
    original_offset: int
    consumer_group: str
    error_type: str
    error: str
    failed_at: str
    event_id: str
    record: ConsumerRecord[bytes, bytes]


def _as_dead_letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in record.headers}
    return DeadLetter(
        offset=record.offset,
        original_topic=headers.get("dlq_original_topic", record.topic.removesuffix(DLQ_SUFFIX)),
        original_partition=int(headers.get("dlq_original_partition", "-1")),
        original_offset=int(headers.get("dlq_original_offset", "-1")),
        consumer_group=headers.get("dlq_consumer_group", ""),
        error_type=headers.get("dlq_error_type", ""),
        error=headers.get("dlq_error", ""),
        failed_at=headers.get("dlq_failed_at", ""),
        event_id=headers.get("ce_id", ""),
        record=record,
    )


async def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Every dead letter of ``topic`` currently on ``<topic>.DLQ`` (read without a consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, dlq_topic(topic))
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        starts, ends = await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)
        expected = sum(ends[tp] - starts[tp] for tp in partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while len(records) < expected:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return [_as_dead_letter(r) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
    finally:
        await consumer.stop()


async def replay_dead_letters(producer: AIOKafkaProducer, letters: list[DeadLetter]) -> int:
    """Publish each dead letter again on its original topic, original key, value and headers.

    Consumers that already applied the event skip it by its id; the group that failed on it
    never recorded it (its transaction rolled back), so it now gets another chance.
    """
    for letter in letters:
        record = letter.record
        headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
        await producer.send_and_wait(letter.original_topic, value=record.value, key=record.key, headers=headers)
    return len(letters)
