"""Periodic background work inside a service process (e.g. a sweep that notices expired rows).

A job is a plain coroutine function run every ``interval_seconds`` from the service's
lifespan, next to the consumer and the relay; it is cancelled at shutdown. A failing run is
logged and the job tries again at its next tick: one bad round must not end the loop. Jobs
must be safe to run in several replicas at once (e.g. ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from trainyard_common.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]


async def run_periodically(job: PeriodicJob) -> None:
    while True:
        try:
            await job.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("periodic job failed; trying again at its next tick", job=job.name, error=repr(exc))
        await asyncio.sleep(job.interval_seconds)
