"""A service's life: migrate, start consuming (retrying while Kafka is away), relay the outbox,
commit offsets — and on SIGTERM stop in the order that loses and repeats nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from trainyard_common.logs import get_logger
from trainyard_common.periodic import run_periodically

if TYPE_CHECKING:
    from trainyard_common.runtime import ServiceRuntime

log = get_logger(__name__)

BROKER_RETRY_SECONDS = 2.0


@contextlib.asynccontextmanager
async def service_lifespan(runtime: ServiceRuntime[Any]) -> AsyncIterator[None]:
    if runtime.settings.migrate_on_start:
        await runtime.migrate()
    tasks = [
        asyncio.create_task(_start_broker(runtime), name="broker"),
        asyncio.create_task(runtime.committer.run(), name="offset-committer"),
        *(asyncio.create_task(run_periodically(job), name=job.name) for job in runtime.periodic_jobs),
    ]
    relay = (
        asyncio.create_task(runtime.relay.run(), name="outbox-relay") if runtime.settings.outbox_relay_enabled else None
    )
    try:
        yield
    finally:
        await _shutdown(runtime, tasks, relay)


async def _start_broker(runtime: ServiceRuntime[Any]) -> None:
    """Keep trying: the HTTP API (and the outbox) must work while Kafka is away."""
    while True:
        try:
            await runtime.broker.start()
        except Exception as exc:
            log.warning("Kafka not reachable yet", error=repr(exc))
            with contextlib.suppress(Exception):
                await runtime.broker.stop()
            await asyncio.sleep(BROKER_RETRY_SECONDS)
        else:
            runtime.broker_ready.set()
            return


async def _shutdown(
    runtime: ServiceRuntime[Any], tasks: list[asyncio.Task[None]], relay: asyncio.Task[None] | None
) -> None:
    """Take no new message, finish those in flight, commit their offsets, stop consuming, then
    publish what the outbox still holds — all within the grace period."""
    grace = runtime.settings.shutdown_grace_seconds
    deadline = asyncio.get_running_loop().time() + grace
    for subscriber in runtime.broker.subscribers:
        subscriber.running = False  # FastStream's consume loops end after their current message
    if not await runtime.delivery.drain(grace / 2):
        log.warning("messages still in flight at shutdown; they will be redelivered")
    await runtime.committer.flush()
    await runtime.broker.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if relay is not None:
        # Not cancelled mid-batch (that would publish the batch again after the restart):
        # asked to stop after its current batch, then the rest of the outbox is published.
        await runtime.relay.stop(relay, max(deadline - asyncio.get_running_loop().time(), 0.1))
    await runtime.dead_letter_producer.close()
    await runtime.engine.dispose()
