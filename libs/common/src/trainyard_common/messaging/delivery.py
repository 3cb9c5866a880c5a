"""Delivering one partition's batch: apply it in one transaction, or find the message to blame.

``Delivery.deliver`` takes the records one partition gave in one fetch, in offset order:

* a record that cannot be read (headers, payload) is dead-lettered at once;
* the others are applied together (``apply``: one transaction — claims, effects, emitted
  events). Infrastructure trouble (``is_transient``) retries the whole batch without limit: no
  message is to blame and none may be skipped;
* any other failure splits the batch in halves, each applied on its own, until the failing
  message stands alone; that message gets the per-message policy (``RetryPolicy.max_attempts``
  attempts with back-off, then the dead-letter topic). The messages before and after it are
  applied once, in order;
* then the batch's last offset is finished: the offset committer commits it with the next
  flush, so no offset is ever committed past a message that is not finished.

FastStream's own acknowledgement is off (``AckPolicy.MANUAL``): its default commits before the
handler runs, and its "ack" commits whatever was consumed, skipping earlier failed messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from trainyard_common.contracts.base import Event
from trainyard_common.logs import get_logger
from trainyard_common.messaging.dead_letters import send_to_dead_letters
from trainyard_common.messaging.delivered import Delivered, Malformed, read_record
from trainyard_common.messaging.errors import is_malformed, is_transient
from trainyard_common.messaging.offsets import OffsetCommitter
from trainyard_common.metrics import DEAD_LETTERS, HANDLER_FAILURES, HANDLER_SECONDS, MESSAGES_CONSUMED
from trainyard_common.periodic import woken

log = get_logger(__name__)

Record: TypeAlias = ConsumerRecord[Any, Any]  # mypy reads aiokafka's generic only this way
Apply = Callable[[Sequence[Delivered[Any]]], Awaitable[None]]
"""Applies events in one transaction: claims, effects and emitted events commit together."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.2
    max_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.base_seconds * 2 ** max(attempt - 1, 0), self.max_seconds))


class _LeftForTheRestart(Exception):
    """The service began to stop while the batch waited out an outage (a dependency away): the
    batch is given up, its offsets not committed, so it is delivered again after the restart.
    Waiting on would hold the stop for half its grace period (seen: 25 s per stop in the tests
    of a service whose key owner was away)."""


@dataclass(frozen=True, slots=True)
class _Readable:
    record: Record
    delivered: Delivered[Any]


class Delivery:
    """Shared by all subscribers of one service: retry policy, dead letters, offsets, draining."""

    def __init__(
        self,
        *,
        consumer_group: str,
        producer: Callable[[], Awaitable[AIOKafkaProducer]],
        committer: OffsetCommitter,
        retry: RetryPolicy,
    ) -> None:
        self.consumer_group = consumer_group
        self.committer = committer
        self._producer = producer
        self._retry = retry
        self._draining = asyncio.Event()  # also wakes the batches waiting out an outage
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def deliver(
        self, consumer: AIOKafkaConsumer, records: Sequence[Record], event_type: type[Event], apply: Apply
    ) -> None:
        """Deliver one partition's records (offset order) and mark the last one finished."""
        async with self._in_flight_batch():
            started = time.monotonic()
            readable: list[_Readable] = []
            for record in records:
                read = read_record(record, event_type)
                if isinstance(read, Malformed):
                    await self._dead_letter(record, read.error, attempts=1)
                else:
                    readable.append(_Readable(record, read))
            if readable:
                try:
                    await self._settle(readable, apply)
                except _LeftForTheRestart:
                    log.info(
                        "stopping: a batch waiting out an outage is left for after the restart", **_where(records[0])
                    )
                    return
            last = records[-1]
            self.committer.finished(consumer, last.topic, last.partition, last.offset)
            HANDLER_SECONDS.labels(last.topic).observe(time.monotonic() - started)

    async def drain(self, timeout: float) -> bool:
        """Stop taking batches and wait for those in flight; False if they outlived ``timeout``."""
        self._draining.set()
        return await self.wait_idle(timeout)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no batch is in flight; False if one still is after ``timeout``."""
        return await woken(self._idle, timeout)

    @contextlib.asynccontextmanager
    async def _in_flight_batch(self) -> AsyncIterator[None]:
        if self._draining.is_set():
            await asyncio.Event().wait()  # parked until cancelled: redelivered after the restart
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _settle(self, batch: list[_Readable], apply: Apply) -> None:
        """Apply ``batch``; on a message's failure, split it until that message stands alone."""
        outages = 0
        while True:
            try:
                await apply([item.delivered for item in batch])
                return
            except Exception as exc:
                if is_transient(exc):
                    outages += 1
                    await self._wait_out_outage(batch[0].record, exc, outages)
                    continue
                if len(batch) == 1:
                    await self._settle_alone(batch[0], apply, exc)
                    return
                log.info("batch failed; splitting it", error=exc, size=len(batch), **_where(batch[0].record))
                middle = len(batch) // 2
                await self._settle(batch[:middle], apply)
                await self._settle(batch[middle:], apply)
                return

    async def _settle_alone(self, item: _Readable, apply: Apply, error: Exception) -> None:
        """The per-message policy: retries with back-off, then the dead-letter topic."""
        failures = 1
        HANDLER_FAILURES.labels(item.record.topic, "message").inc()
        while failures < self._retry.max_attempts and not is_malformed(error):
            log.warning("handler failed", error=error, attempt=failures, **_where(item.record))
            await asyncio.sleep(self._retry.delay(failures))
            try:
                await apply([item.delivered])
                return
            except Exception as exc:
                if is_transient(exc):
                    HANDLER_FAILURES.labels(item.record.topic, "transient").inc()
                    if self._draining.is_set():
                        raise _LeftForTheRestart from exc
                    continue  # the infrastructure, not the message: does not count as an attempt
                failures += 1
                error = exc
                HANDLER_FAILURES.labels(item.record.topic, "message").inc()
        await self._dead_letter(item.record, error, failures)

    async def _wait_out_outage(self, record: Record, exc: Exception, outages: int) -> None:
        HANDLER_FAILURES.labels(record.topic, "transient").inc()
        log.warning("transient failure, retrying the batch", error=exc, outages=outages, **_where(record))
        if await woken(self._draining, self._retry.delay(outages)):
            raise _LeftForTheRestart from exc

    async def _dead_letter(self, record: Record, exc: Exception, attempts: int) -> None:
        log.error("dead-lettering message", error=exc, attempts=attempts, **_where(record))
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
                log.warning("dead-letter publish failed, retrying", error=send_exc)
                await asyncio.sleep(self._retry.delay(outages))


def _where(record: Record) -> dict[str, Any]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}
