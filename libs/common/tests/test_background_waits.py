"""Background loops wait for their wake-up with ``periodic.woken``: a loop stopped by cancelling it
stops, even when the cancellation comes just as its event is set (on Python 3.11,
``asyncio.wait_for`` lost such a cancellation, and a service's stop waited forever)."""

from __future__ import annotations

import asyncio

import pytest

from trainyard_common.periodic import woken


async def test_a_wait_cancelled_as_its_event_is_set_is_cancelled() -> None:
    for _ in range(50):
        event = asyncio.Event()
        waiting = asyncio.create_task(woken(event, 10))
        await asyncio.sleep(0)  # it waits on the event
        event.set()
        waiting.cancel()  # in the same turn of the loop
        with pytest.raises(asyncio.CancelledError):
            await waiting


async def test_it_tells_whether_the_event_was_set_in_time() -> None:
    event = asyncio.Event()
    assert await woken(event, 0.01) is False
    event.set()
    assert await woken(event, 0.01) is True
