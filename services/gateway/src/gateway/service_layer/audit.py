"""Writing and reading the audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from gateway.domain.audit import AuditEntry, AuditQuery, with_request_origin
from gateway.service_layer.unit_of_work import GatewayUnitOfWork

MAX_BATCH = 500  # entries per statement (a burst beyond it takes several)


async def record(uow: GatewayUnitOfWork, entry: AuditEntry) -> None:
    await uow.audit.add(entry)
    await uow.commit()


async def record_many(uow: GatewayUnitOfWork, entries: list[AuditEntry]) -> None:
    await uow.audit.add_many(entries)
    await uow.commit()


async def audit_page(uow: GatewayUnitOfWork, query: AuditQuery) -> tuple[list[AuditEntry], int]:
    return await uow.audit.page(query)


class AuditWriter:
    """Writes the entries of concurrent requests together: one INSERT and one commit for all the
    entries queued while the previous batch was being written (issue 18: at hundreds of audited
    reads a second, one transaction each was the gateway's busiest use of its database).

    ``record`` returns once its entry is committed, or raises what made its batch fail: every
    entry of a failed batch fails, so each request still gets no successful answer ("no silent
    gaps", ``entrypoints.auditing``). Nothing waits for a batch to fill: a lone entry is written
    at once, and a batch is what arrived during the previous one's round trip.
    """

    def __init__(self, uow_factory: Callable[[], GatewayUnitOfWork], *, max_batch: int = MAX_BATCH) -> None:
        self._uow_factory = uow_factory
        self._max_batch = max_batch
        self._queue: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry) -> None:
        # The request's address and user agent are bound to its context, not the writer's task.
        entry = with_request_origin(entry)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.append((entry, done))
        if self._writing is None or self._writing.done() or self._writing.get_loop() is not loop:
            self._writing = loop.create_task(self._write_queued())
        await done

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            try:
                async with self._uow_factory() as uow:
                    await record_many(uow, [entry for entry, _ in batch])
            except asyncio.CancelledError:  # the server stops: so do the requests waiting
                for _, done in batch + self._queue:
                    done.cancel()
                raise
            except Exception as exc:
                for _, done in batch:
                    if not done.done():  # a request cancelled meanwhile no longer waits
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
