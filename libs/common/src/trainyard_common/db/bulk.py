"""Writing many rows at once with PostgreSQL's COPY, inside a unit of work's transaction.

Bulk paths (a 100,000-row import) cannot afford one INSERT per row, nor one outbox INSERT per
event: ``copy_rows`` streams rows through ``COPY ... FROM STDIN`` on the session's own
connection (so they commit or roll back with everything else), and ``copy_events`` writes
outbox rows exactly as ``SqlUnitOfWork.commit`` would, for events the relay then publishes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from psycopg import AsyncConnection, sql
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts.base import Event
from trainyard_common.db.uow import SqlUnitOfWork, current_cause

OUTBOX_COLUMNS = ("topic", "message_key", "payload", "headers")
_CHUNK_ROWS = 5_000


async def driver_connection(session: AsyncSession) -> AsyncConnection[Any]:
    """The psycopg connection under the session's current transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


async def copy_rows(session: AsyncSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table``; None is NULL, every other value its ``str()``. Returns how many.

    Rows travel in COPY's text format, escaped here, in chunks (one write per chunk, not one
    await per row).
    """
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    driver = await driver_connection(session)
    count = 0
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in _chunks(rows):
            await copy.write("".join("\t".join(map(_text_value, row)) + "\n" for row in chunk))
            count += len(chunk)
    return count


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text_value(value: Any) -> str:
    """One value in COPY's text format: ``\\N`` for NULL, backslash, tab and line breaks escaped."""
    return "\\N" if value is None else str(value).translate(_ESCAPES)


def _chunks(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK_ROWS)):
        yield chunk


async def copy_events(uow: SqlUnitOfWork, events: Iterable[Event]) -> int:
    """Write ``events`` into the outbox of ``uow``'s transaction (uncommitted), as ``emit`` + ``commit`` do.

    The relay publishes them once the transaction commits (it polls; nudge it for speed).
    """
    cause = current_cause()
    rows = (uow.outbox_rows.row(event, cause) for event in events)
    return await copy_rows(uow.session, "outbox", OUTBOX_COLUMNS, rows)
