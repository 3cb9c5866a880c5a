"""A bound on concurrent password hashes, sized from memory (issue 15, item 6).

argon2id takes its memory cost (64 MiB with argon2-cffi's defaults) for every hash in flight;
``asyncio.to_thread`` alone would run up to min(32, CPUs + 4) at once, more than a pod's memory
limit. ``HashingGate`` is an asyncio semaphore with ``(memory / 2) // per_hash_bytes`` slots
(half the memory stays for the rest of the process); a caller that gets no slot within a short
wait gets ``HashingBusy``: a 503 with ``Retry-After`` (``install_hashing_busy_handler``).
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from trainyard_common.http.errors import ApiError, error_response
from trainyard_common.logs import get_logger

log = get_logger(__name__)

ARGON2_MEMORY_BYTES = 64 * 1024 * 1024
"""argon2-cffi's default memory cost (RFC 9106's second recommendation): 64 MiB per hash."""

_CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
_NO_LIMIT = 1 << 60  # cgroup v1 writes a huge number when unlimited


class HashingBusy(ApiError):
    """Every hashing slot stayed taken for the whole wait: try again shortly (503)."""

    status_code = 503
    code = "busy"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many password checks at once; try again shortly.")
        self.retry_after_seconds = retry_after_seconds


def available_memory_bytes() -> int:
    """The cgroup's ``memory.max`` (v2, else v1) when one is set, else the machine's memory."""
    for path in _CGROUP_LIMITS:
        try:
            raw = path.read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and 0 < int(raw) < _NO_LIMIT:
            return int(raw)
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


class HashingGate:
    """At most ``slots`` hashes at once; ``async with gate.slot():`` around each one."""

    def __init__(self, slots: int, *, wait_seconds: float = 2.0, retry_after_seconds: int = 1) -> None:
        if slots < 1:
            raise ValueError("a hashing gate needs at least one slot")
        self.slots = slots
        self.wait_seconds = wait_seconds
        self.retry_after_seconds = retry_after_seconds
        self._semaphore = asyncio.Semaphore(slots)

    @classmethod
    def sized_for(
        cls,
        memory_bytes: int | None,
        per_hash_bytes: int = ARGON2_MEMORY_BYTES,
        *,
        wait_seconds: float = 2.0,
        retry_after_seconds: int = 1,
    ) -> HashingGate:
        """Half of ``memory_bytes`` (``None``: the cgroup limit or the machine's memory) divided
        into hashes of ``per_hash_bytes``; at least one slot."""
        memory = available_memory_bytes() if memory_bytes is None else memory_bytes
        slots = max(1, (memory // 2) // max(1, per_hash_bytes))
        return cls(slots, wait_seconds=wait_seconds, retry_after_seconds=retry_after_seconds)

    @property
    def free_slots(self) -> int:
        return self._semaphore._value  # for metrics and tests only

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; ``HashingBusy`` when none frees within ``wait_seconds``."""
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            log.warning("password hashing busy", slots=self.slots, waited_seconds=self.wait_seconds)
            raise HashingBusy(max(1, math.ceil(self.retry_after_seconds))) from None
        try:
            yield
        finally:
            self._semaphore.release()


def hashing_busy_response(exc: HashingBusy) -> JSONResponse:
    response = error_response(exc.status_code, exc.code, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


def install_hashing_busy_handler(app: FastAPI) -> None:
    """Answer ``HashingBusy`` with 503 and ``Retry-After`` (the generic ``ApiError`` handler sets
    no header; Starlette picks the most specific handler)."""

    async def _busy(_: Request, exc: HashingBusy) -> JSONResponse:
        return hashing_busy_response(exc)

    app.add_exception_handler(HashingBusy, _busy)  # type: ignore[arg-type]
