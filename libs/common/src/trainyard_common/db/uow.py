"""The unit of work: one database transaction, and the events it emits, committed together."""

from __future__ import annotations

from collections.abc import Callable, Collection
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.contracts.base import Event
from trainyard_common.correlation import current_correlation_id
from trainyard_common.db.batches import json_array
from trainyard_common.messaging.outbox import Cause, OutboxRow, OutboxRows, insert_outbox_rows
from trainyard_common.tracing import inject_trace_context

# The ids travel as one JSON array (``db.batches.json_array``).
_CLAIM = text(
    "INSERT INTO processed_events (consumer_group, event_id) "
    "SELECT :group, json_array_elements_text(CAST(:ids AS json)) ON CONFLICT DO NOTHING RETURNING event_id"
)


class SqlUnitOfWork:
    """Base of every service's unit of work.

    Subclasses add repositories in ``_open``. ``emit`` queues an event; ``commit`` writes the
    queued events into the outbox inside the same transaction (one statement), then nudges the
    relay. Leaving the block without ``commit`` rolls everything back, events included.
    """

    session: AsyncSession
    event_id: str | None = None
    """The ``ce_id`` of the event being handled (claimed in this transaction), if any."""
    cause: Cause | None = None
    """What ``emit`` passes on to the events it queues: a batch handler sets it to each consumed
    event's ``Delivered.cause`` in turn. None: the current correlation id and span."""
    reading: bool = False
    """A unit of work for reads alone (``ServiceRuntime.reading_unit_of_work``): its connection is in
    autocommit, so no BEGIN and ROLLBACK travel around a route's SELECTs; it cannot commit."""
    handling_batch: bool = False
    """Set while event handlers run: their batch commits once, after all its events (its claims
    are written first, so a commit in the middle would mark events handled before they were)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        source: str,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._session_factory = session_factory
        self.outbox_rows = OutboxRows(source)
        self._after_commit = after_commit
        self._pending: list[OutboxRow] = []
        self._outbox_written_by_sql = False

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._pending = []
        self._outbox_written_by_sql = False
        self.event_id = None
        self.cause = None
        self.handling_batch = False
        self._open()
        return self

    def _open(self) -> None:
        """Hook for subclasses: build repositories on ``self.session``."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    def emit(self, *events: Event, cause: Cause | None = None) -> None:
        """Queue ``events``; they inherit ``cause`` (by default ``self.cause``, else the current
        correlation id and span)."""
        cause = cause or self.cause or current_cause()
        self._pending.extend(self.outbox_rows.row(event, cause) for event in events)

    async def claim_events(self, event_ids: Collection[str], consumer_group: str) -> set[str]:
        """Record that ``consumer_group`` handles ``event_ids``; return those it had not handled yet.

        One statement for a whole batch; an id given twice is claimed once.
        """
        claimed = await self.session.execute(_CLAIM, {"group": consumer_group, "ids": json_array(event_ids)})
        return set(claimed.scalars())

    def outbox_written_by_sql(self) -> None:
        """A bulk path wrote outbox rows in SQL (``INSERT INTO outbox … SELECT``): the commit nudges
        the relay, as it does for emitted events, rather than leaving them to its next poll."""
        self._outbox_written_by_sql = True

    def committed_by_statement(self) -> None:
        """A use case's own statements committed (``db.round_trip``: as it ended) and
        wrote events: what ``commit`` does after committing (nudge the relay) happens now."""
        self._after_commit()

    async def write_events(self) -> bool:
        """Write the queued events into the outbox (still uncommitted); True if there were any."""
        pending, self._pending = self._pending, []
        await insert_outbox_rows(self.session, pending)
        return bool(pending)

    async def commit(self) -> None:
        if self.reading:
            raise RuntimeError("a reading unit of work does not commit: its statements run in autocommit")
        if self.handling_batch:
            raise RuntimeError("an event handler does not commit: its batch commits after the last event")
        wrote_events = await self.write_events() or self._outbox_written_by_sql
        await self.session.commit()
        if wrote_events:
            self._after_commit()


def current_cause() -> Cause:
    """The current correlation id and span (``traceparent``; none when tracing is off)."""
    trace_headers: dict[str, str] = {}
    inject_trace_context(trace_headers)
    return Cause(current_correlation_id(), trace_headers)
