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


async def woken(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set, at most ``seconds``; whether it was.

    Through ``asyncio.timeout``, never ``asyncio.wait_for``: on Python 3.11, a task cancelled just
    as ``wait_for``'s event is set loses the cancellation (``wait_for`` returns the event's result;
    python/cpython#86296, fixed in 3.12). A background loop stopped by cancelling it then goes on,
    and its stop waits forever: customer-account's e-mail sender did, and an in-process test
    service's stop hung until pytest's 300 s timeout."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
