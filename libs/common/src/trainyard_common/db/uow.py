"""The unit of work: one database transaction, and the events it emits, committed together."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.contracts.base import Event
from trainyard_common.correlation import current_correlation_id
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.tables import outbox, processed_events
from trainyard_common.tracing import inject_trace_context


class SqlUnitOfWork:
    """Base of every service's unit of work.

    Subclasses add repositories in ``_open``. ``emit`` queues an event; ``commit`` writes the
    queued events into the outbox inside the same transaction, then nudges the relay.
    Leaving the block without ``commit`` rolls everything back, events included.
    """

    session: AsyncSession
    event_id: str | None = None
    """The ``ce_id`` of the event being handled (claimed in this transaction), if any."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        source: str,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._session_factory = session_factory
        self._source = source
        self._after_commit = after_commit
        self._pending: list[Event] = []

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._pending = []
        self.event_id = None
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

    def emit(self, *events: Event) -> None:
        self._pending.extend(events)

    async def claim_event(self, event_id: str, consumer_group: str) -> bool:
        """Record that ``consumer_group`` handles ``event_id``; False if it already did.

        The id is kept on the unit of work: handlers get the payload only, and an answer such
        as an erasure receipt must name the request's ``ce_id``.
        """
        self.event_id = event_id
        claimed = await self.session.execute(
            pg_insert(processed_events)
            .values(consumer_group=consumer_group, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return claimed.first() is not None

    async def write_events(self) -> bool:
        """Write the queued events into the outbox (still uncommitted); True if there were any."""
        pending, self._pending = self._pending, []
        if pending:
            await self.session.execute(insert(outbox), [self._outbox_row(e) for e in pending])
        return bool(pending)

    async def commit(self) -> None:
        wrote_events = await self.write_events()
        await self.session.commit()
        if wrote_events:
            self._after_commit()

    def _outbox_row(self, event: Event) -> dict[str, object]:
        envelope = Envelope(
            event_type=event.event_type,
            source=self._source,
            schema_version=event.schema_version,
            correlation_id=current_correlation_id(),
            subject=event.aggregate_id(),
        )
        headers = {k: v.decode() for k, v in envelope.to_headers()}
        # Tracing: the current span's `traceparent`/`tracestate` (none when tracing is off); the
        # relay publishes every stored header, so the consumer continues this trace.
        inject_trace_context(headers)
        return {
            "topic": event.topic(),
            "message_key": event.aggregate_id(),
            "payload": event.model_dump_json(),
            "headers": headers,
        }
