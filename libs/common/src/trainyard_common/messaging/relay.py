"""The outbox relay: publishes committed outbox rows to Kafka, then deletes them.

Why this shape:
* Rows are read inside a transaction that first takes a transaction-level advisory lock, so
  one relay per database publishes at a time (several replicas never interleave a key's
  events), and the lock frees itself if the holder dies.
* Rows are read by ``SELECT … FOR UPDATE`` in id order and deleted in the same transaction
  once Kafka acknowledged them. A transaction that commits late is simply invisible until it
  commits, and its rows are then picked up: there is no "last id sent" to skip past it.
* Rows hold the event's plain topic; the prefix of the environment is added on publishing.
* If publishing or the delete fails, the transaction rolls back and the rows are sent again
  later. Kafka may then hold a duplicate; consumers drop it by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from trainyard_common.logs import get_logger
from trainyard_common.messaging.tables import outbox
from trainyard_common.metrics import MESSAGES_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS

log = get_logger(__name__)

SEND_TIMEOUT_SECONDS = 30.0
BACKLOG_OBSERVE_SECONDS = 5.0


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        lock_name: str,
        topic_prefix: str = "",
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        linger_seconds: float = 0.02,
    ) -> None:
        self._engine = engine
        self._producer_factory = producer_factory
        self._lock_key = zlib.crc32(f"outbox-relay:{lock_name}".encode())
        self._topic_prefix = topic_prefix
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._linger_seconds = linger_seconds
        self._wake = asyncio.Event()
        self._running = True
        self._backlog_observed_at = -BACKLOG_OBSERVE_SECONDS
        self._producer: AIOKafkaProducer | None = None

    def nudge(self) -> None:
        """Called after a commit that wrote outbox rows: publish now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        try:
            while self._running:
                try:
                    sent = await self.publish_batch()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    log.warning("outbox relay failed; will retry", error=repr(exc), failures=failures)
                    await self._drop_producer()
                    await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                    continue
                await self._observe_backlog()
                if sent < self._batch_size:
                    await self._wait_for_work()
        finally:
            await self._drop_producer()

    async def stop(self, running: asyncio.Task[None], timeout: float) -> None:
        """Let the ``run`` task finish its batch, then publish what the outbox still holds;
        whatever is left after ``timeout`` stays for the next start."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._running = False
        self._wake.set()
        try:
            await asyncio.wait_for(running, timeout)
        except TimeoutError:
            log.warning("outbox relay did not stop in time")
            return
        await self._drain(max(deadline - loop.time(), 0.1))

    async def _drain(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                while await self.publish_batch() == self._batch_size:
                    pass
        except Exception as exc:
            log.warning("outbox not fully published at shutdown", error=repr(exc))
        finally:
            await self._drop_producer()

    async def publish_batch(self) -> int:
        """Publish up to one batch; return how many rows were published."""
        async with self._engine.begin() as conn:
            locked = await conn.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key)))
            if not locked:
                return 0
            rows = (
                await conn.execute(select(outbox).order_by(outbox.c.id).limit(self._batch_size).with_for_update())
            ).all()
            if not rows:
                return 0
            await self._send_all(rows)
            await conn.execute(delete(outbox).where(outbox.c.id.in_([row.id for row in rows])))
        return len(rows)

    async def _send_all(self, rows: Sequence[Any]) -> None:
        producer = await self._ensure_producer()
        deliveries = [
            await producer.send(
                self._topic_prefix + row.topic,
                value=row.payload.encode(),
                key=row.message_key.encode(),
                headers=[(k, v.encode()) for k, v in row.headers.items()],
            )
            for row in rows
        ]
        await asyncio.wait_for(asyncio.gather(*deliveries), SEND_TIMEOUT_SECONDS)
        for row in rows:
            MESSAGES_PUBLISHED.labels(self._topic_prefix + row.topic).inc()

    async def _observe_backlog(self) -> None:
        """Outbox size and oldest row's age, for /metrics — at most every few seconds."""
        now = time.monotonic()
        if now - self._backlog_observed_at < BACKLOG_OBSERVE_SECONDS:
            return
        self._backlog_observed_at = now
        async with self._engine.connect() as conn:
            size, oldest = (await conn.execute(select(func.count(), func.min(outbox.c.created_at)))).one()
            age = await conn.scalar(select(func.extract("epoch", func.now() - oldest))) if oldest else 0
        OUTBOX_BACKLOG.set(size)
        OUTBOX_OLDEST_SECONDS.set(float(age or 0))

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            await producer.start()
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception as exc:
                log.debug("producer stop failed", error=repr(exc))

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        if self._wake.is_set():
            # Woken by a commit: give the commits right behind it a moment to join this batch,
            # so a busy service publishes many events per relay transaction, not one.
            await asyncio.sleep(self._linger_seconds)
        self._wake.clear()
