"""Dead-letter topics: ``<topic>.DLQ`` holds messages that failed after bounded retries.

The original key, value and headers are kept; ``dlq_*`` headers say why and where from, so
a dead letter can be listed, understood and replayed onto its original topic.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

DLQ_SUFFIX = ".DLQ"
MAX_ERROR_CHARS = 2000


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def dead_letter_headers(
    record: ConsumerRecord[bytes, bytes], error: BaseException, *, consumer_group: str, attempts: int
) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
    details = "".join(traceback.format_exception_only(type(error), error)).strip()
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
