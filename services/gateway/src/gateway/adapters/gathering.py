"""Calls asked for within a short while of each other, made as one call for all of them.

Each caller says how long it may wait for the others (``within``): the gathered call goes out at
the earliest of those moments, or at once when ``max_size`` callers wait. A caller that gives up
(a client gone) does not cancel the call for the others. The call runs in a context of its own:
whatever the first caller's request had set (who it acts for) does not sign it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Gathered(Generic[K, V]):
    """``call_many(keys)`` answers one value per key, in their order."""

    def __init__(self, call_many: Callable[[list[K]], Awaitable[Sequence[V]]], *, max_size: int) -> None:
        self._call_many = call_many
        self.max_size = max_size
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._due: float | None = None
        self._calls: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)

    async def __call__(self, key: K, *, within: float) -> V:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[V] = loop.create_future()
        answer.add_done_callback(_retrieved)
        self._waiting.append((key, answer))
        if len(self._waiting) >= self.max_size:
            self._send()
        else:
            self._send_by(loop, loop.time() + max(within, 0.0))
        return await asyncio.shield(answer)

    def _send_by(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._due is not None and self._due <= due:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._due = due
        self._timer = loop.call_at(due, self._send, context=contextvars.Context())

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._due = None, None
        gathered, self._waiting = self._waiting, []
        if gathered:
            call = asyncio.get_running_loop().create_task(self._answer(gathered), context=contextvars.Context())
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)

    async def _answer(self, gathered: list[tuple[K, asyncio.Future[V]]]) -> None:
        try:
            values = await self._call_many([key for key, _ in gathered])
            if len(values) != len(gathered):
                raise ValueError(f"{len(values)} answers for {len(gathered)} keys")
        except Exception as exc:  # every caller gets the failure, as a call of its own would
            for _, answer in gathered:
                if not answer.done():
                    answer.set_exception(exc)
            return
        for (_, answer), value in zip(gathered, values, strict=True):
            if not answer.done():
                answer.set_result(value)


def _retrieved(answer: asyncio.Future[V]) -> None:
    """A failure nobody waits for any more (its caller gave up) is not logged as never retrieved."""
    if not answer.cancelled():
        answer.exception()
