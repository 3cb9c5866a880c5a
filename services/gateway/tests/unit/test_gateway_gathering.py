"""Issue 18: calls gathered into one (``adapters.gathering``), as the learner guard's session
checks use it: who waits for whom, what a failure or a caller giving up does, and that the
gathered call does not act for the first caller's request."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from gateway.adapters.gathering import Gathered

ACTING = contextvars.ContextVar[str | None]("acting", default=None)


class Calls:
    """A ``call_many`` answering each key doubled, recording the keys of each call."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.made: list[list[int]] = []
        self.acting: list[str | None] = []
        self.fail = fail

    async def __call__(self, keys: list[int]) -> list[int]:
        self.made.append(keys)
        self.acting.append(ACTING.get())
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        return [k * 2 for k in keys]


async def test_calls_within_the_wait_go_out_as_one() -> None:
    calls = Calls()
    gathered = Gathered(calls, max_size=100)
    answers = await asyncio.gather(*(gathered(k, within=0.05) for k in range(5)))
    assert answers == [0, 2, 4, 6, 8]
    assert calls.made == [[0, 1, 2, 3, 4]]


async def test_a_caller_that_cannot_wait_takes_the_gathered_ones_along_at_once() -> None:
    calls = Calls()
    gathered = Gathered(calls, max_size=100)
    patient = [asyncio.ensure_future(gathered(k, within=10.0)) for k in (1, 2)]
    await asyncio.sleep(0)
    assert await asyncio.wait_for(gathered(3, within=0.0), timeout=1.0) == 6  # not 10 s
    assert await asyncio.gather(*patient) == [2, 4]
    assert calls.made == [[1, 2, 3]]


async def test_a_full_gathering_goes_out_without_waiting() -> None:
    calls = Calls()
    gathered = Gathered(calls, max_size=3)
    answers = await asyncio.wait_for(asyncio.gather(*(gathered(k, within=10.0) for k in range(3))), timeout=1.0)
    assert answers == [0, 2, 4]
    assert calls.made == [[0, 1, 2]]


async def test_a_failed_call_fails_every_caller_and_the_next_call_is_new() -> None:
    calls = Calls(fail=RuntimeError("customer-account is away"))
    gathered = Gathered(calls, max_size=100)
    outcomes = await asyncio.gather(*(gathered(k, within=0.01) for k in range(3)), return_exceptions=True)
    assert [str(o) for o in outcomes] == ["customer-account is away"] * 3
    calls.fail = None
    assert await gathered(7, within=0.0) == 14
    assert calls.made == [[0, 1, 2], [7]]


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    calls = Calls()
    gathered = Gathered(calls, max_size=100)
    gone = asyncio.ensure_future(gathered(1, within=0.02))
    staying = asyncio.ensure_future(gathered(2, within=0.02))
    await asyncio.sleep(0)
    gone.cancel()
    assert await staying == 4
    assert calls.made == [[1, 2]]
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_the_gathered_call_acts_for_nobody() -> None:
    calls = Calls()
    gathered = Gathered(calls, max_size=100)
    ACTING.set("learner 1")
    assert await gathered(1, within=0.0) == 2
    assert calls.acting == [None]
