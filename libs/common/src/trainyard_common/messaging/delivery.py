"""Delivering one consumed message: retry, dead-letter, then mark it finished.

This runs as a FastStream middleware around every subscriber a service registers through
``EventSubscriptions``; FastStream's own acknowledgement is switched off (``AckPolicy.MANUAL``)
because its default commits before the handler runs, and its "ack" commits whatever was
consumed, skipping earlier failed messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from faststream import BaseMiddleware
from faststream.message import StreamMessage

from trainyard_common.logs import get_logger
from trainyard_common.messaging.dead_letters import send_to_dead_letters
from trainyard_common.messaging.errors import is_malformed, is_transient
from trainyard_common.messaging.offsets import OffsetCommitter
from trainyard_common.metrics import DEAD_LETTERS, HANDLER_FAILURES, HANDLER_SECONDS, MESSAGES_CONSUMED

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.2
    max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.base_seconds * 2 ** max(attempt - 1, 0), self.max_seconds))


class Delivery:
    """Shared by all subscribers of one service: retry policy, dead letters, offsets."""

    def __init__(
        self,
        *,
        consumer_group: str,
        producer: Callable[[], Awaitable[AIOKafkaProducer]],
        committer: OffsetCommitter,
        retry: RetryPolicy,
    ) -> None:
        self.consumer_group = consumer_group
        self._producer = producer
        self._committer = committer
        self._retry = retry
        self._draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle(self, message: StreamMessage[Any], handle: Callable[[], Awaitable[Any]]) -> None:
        """Deliver one message and mark it finished; while draining, take no new message."""
        if self._draining:
            await asyncio.Event().wait()  # parked until cancelled: redelivered after the restart
        self._in_flight += 1
        self._idle.clear()
        started = time.monotonic()
        try:
            await self.deliver(handle, message.raw_message)
            self.finished(message)
            HANDLER_SECONDS.labels(message.raw_message.topic).observe(time.monotonic() - started)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Stop taking messages and wait for those in flight; False if they outlived ``timeout``."""
        self._draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def deliver(self, handle: Callable[[], Awaitable[Any]], record: ConsumerRecord[Any, Any]) -> None:
        """Run ``handle`` until it succeeds, or dead-letter the record once it has failed enough."""
        failures = 0
        outages = 0
        while True:
            try:
                await handle()
                return
            except Exception as exc:
                if is_transient(exc):
                    HANDLER_FAILURES.labels(record.topic, "transient").inc()
                    outages += 1
                    log.warning("transient failure, retrying", error=repr(exc), **_where(record))
                    await asyncio.sleep(self._retry.delay(outages))
                    continue
                failures += 1
                HANDLER_FAILURES.labels(record.topic, "message").inc()
                if failures >= self._retry.max_attempts or is_malformed(exc):
                    await self._dead_letter(record, exc, failures)
                    return
                log.warning("handler failed", error=repr(exc), attempt=failures, **_where(record))
                await asyncio.sleep(self._retry.delay(failures))

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], exc: Exception, attempts: int) -> None:
        log.error("dead-lettering message", error=repr(exc), attempts=attempts, **_where(record))
        outages = 0
        while True:
            try:
                producer = await self._producer()
                await send_to_dead_letters(producer, record, exc, consumer_group=self.consumer_group, attempts=attempts)
                DEAD_LETTERS.labels(record.topic).inc()
                MESSAGES_CONSUMED.labels(record.topic, "dead_lettered").inc()
                return
            except Exception as send_exc:
                outages += 1
                log.warning("dead-letter publish failed, retrying", error=repr(send_exc))
                await asyncio.sleep(self._retry.delay(outages))

    def finished(self, message: StreamMessage[Any]) -> None:
        record = message.raw_message
        consumer = message.consumer  # type: ignore[attr-defined]  # KafkaMessage's, not on the base type
        self._committer.finished(consumer, record.topic, record.partition, record.offset)


class DeliveryMiddleware(BaseMiddleware):
    """FastStream middleware: wraps each consumed message in ``Delivery.deliver``."""

    def __init__(self, msg: Any, /, *, delivery: Delivery, **kwargs: Any) -> None:
        super().__init__(msg, **kwargs)
        self._delivery = delivery

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        await self._delivery.handle(msg, lambda: call_next(msg))
        return None


def _where(record: ConsumerRecord[Any, Any]) -> dict[str, Any]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}
