"""The outbox relay: publishes committed outbox rows to Kafka, then deletes them.

Why this shape:
* Rows are read inside a transaction that first takes a transaction-level advisory lock, so
  one relay per database publishes at a time (several replicas never interleave a key's
  events), and the lock frees itself if the holder dies.
* Rows are read by ``SELECT … FOR UPDATE`` in id order and deleted in the same transaction
  once Kafka acknowledged them. A transaction that commits late is simply invisible until it
  commits, and its rows are then picked up: there is no "last id sent" to skip past it.
* Thousands of rows per cycle, in five round trips (BEGIN, lock, SELECT, DELETE by an id array,
  COMMIT), published as one record batch per partition (``RecordBatches``). One cycle is in
  flight at a time: every batch is acknowledged before the delete commits and the next cycle
  starts, so a key's events reach their partition in outbox order.
* A full cycle means a backlog: the next one starts at once. Only a relay that caught up
  waits, for the poll interval or a commit's nudge, then lingers a moment so a burst of commits
  goes out in one cycle rather than one each.
* A nudge comes from any process: every transaction that writes outbox rows notifies
  ``OUTBOX_CHANNEL`` as it commits (a trigger, ``messaging/tables.py``), and the relay listens on
  a connection of its own. With several replicas only one holds the relay lock, and without
  this the commits of the others waited for its next poll (half a second). The in-process nudge
  (``after_commit``) stays: it needs no round trip. While the listening connection is down the
  poll interval bounds the wait.
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

import orjson
import psycopg
from aiokafka import AIOKafkaProducer
from psycopg import sql
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from trainyard_common.db.engine import driver_free_url
from trainyard_common.logs import get_logger
from trainyard_common.messaging.producer import RecordBatches
from trainyard_common.messaging.tables import OUTBOX_CHANNEL
from trainyard_common.metrics import (
    MESSAGES_PUBLISHED,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_SECONDS,
    OUTBOX_RELAY_FAILURES,
)
from trainyard_common.periodic import woken

log = get_logger(__name__)

SEND_TIMEOUT_SECONDS = 30.0
LISTENER_STOP_SECONDS = 2.0
"""How long the relay waits, as it stops, for its wake-up listener to end once cancelled. A
cancellation lost inside psycopg (a connect or a wait on a connection the server stopped
answering: psycopg issues #1345, #1371) must not hold the service's shutdown."""
BACKLOG_OBSERVE_SECONDS = 5.0

# Statements built once, not per cycle. Only the columns publishing needs; the headers as text,
# which orjson parses in a quarter of the time the driver's JSONB loader (json.loads) takes.
_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")
_ROWS = text("SELECT id, topic, message_key, payload, headers::text FROM outbox ORDER BY id LIMIT :limit FOR UPDATE")
_DELETE = text("DELETE FROM outbox WHERE id = ANY(CAST(:ids AS bigint[]))")
_BACKLOG = text("SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox")


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        lock_name: str,
        topic_prefix: str = "",
        batch_size: int = 5000,
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
        listening = asyncio.create_task(self._listen(), name="outbox-relay-wakeups")
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
                    OUTBOX_RELAY_FAILURES.inc()
                    await self._drop_producer()
                    with contextlib.suppress(Exception):  # Kafka away: the backlog's gauges still move
                        await self._observe_backlog()
                    await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                    continue
                await self._observe_backlog()
                if sent < self._batch_size:
                    await self._wait_for_work()
        finally:
            await _cancelled(listening, LISTENER_STOP_SECONDS)
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
            if not await conn.scalar(_LOCK, {"key": self._lock_key}):
                return 0
            rows = (await conn.execute(_ROWS, {"limit": self._batch_size})).all()
            if not rows:
                return 0
            await self._send_all(rows)
            await conn.execute(_DELETE, {"ids": [row[0] for row in rows]})
        return len(rows)

    async def _send_all(self, rows: Sequence[Row[int, str, str, str, str]]) -> None:
        """Publish ``rows`` in id order and wait until Kafka acknowledged every one."""
        batches = RecordBatches(await self._ensure_producer())
        prefix = self._topic_prefix
        for _, topic, key, payload, headers in rows:
            encoded = [(name, value.encode()) for name, value in orjson.loads(headers).items()]
            await batches.add(prefix + topic, key.encode(), payload.encode(), encoded)
        await batches.submit_rest()
        await asyncio.wait_for(asyncio.gather(*batches.deliveries), SEND_TIMEOUT_SECONDS)
        for topic, count in batches.counts.items():
            MESSAGES_PUBLISHED.labels(topic).inc(count)

    async def _observe_backlog(self) -> None:
        """Outbox size and oldest row's age, for /metrics — at most every few seconds."""
        now = time.monotonic()
        if now - self._backlog_observed_at < BACKLOG_OBSERVE_SECONDS:
            return
        self._backlog_observed_at = now
        async with self._engine.connect() as conn:
            size, age = (await conn.execute(_BACKLOG)).one()
        OUTBOX_BACKLOG.set(size)
        OUTBOX_OLDEST_SECONDS.set(float(age))

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

    async def _listen(self) -> None:
        """Nudge at every commit that wrote outbox rows, in any process, until cancelled."""
        conninfo = driver_free_url(self._engine)
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(OUTBOX_CHANNEL)))
                    failures = 0
                    self.nudge()  # rows committed before the LISTEN took effect
                    async for _ in conn.notifies():
                        self.nudge()
            except Exception as exc:  # the connection, the server or the network: listen again later
                failures += 1
                log.warning("outbox wake-ups lost; the relay polls until they return", error=repr(exc))
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))

    async def _wait_for_work(self) -> None:
        if await woken(self._wake, self._poll_seconds):
            # Woken by a commit: give the commits right behind it a moment to join this batch,
            # so a busy service publishes many events per relay transaction, not one.
            await asyncio.sleep(self._linger_seconds)
        self._wake.clear()


async def _cancelled(task: asyncio.Task[None], timeout: float) -> None:
    """Cancel ``task`` and wait for it to end, at most ``timeout`` seconds (``asyncio.wait`` does not
    wait again for a task that ignores its cancellation, as ``wait_for`` would); then go on."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        log.warning("outbox wake-up listener did not stop; left behind", timeout=timeout)
    elif not task.cancelled() and task.exception() is not None:
        log.warning("outbox wake-up listener failed", error=repr(task.exception()))
