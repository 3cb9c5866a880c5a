"""Writing many rows at once with PostgreSQL's COPY, inside a unit of work's transaction.

Bulk paths (a 100,000-row import) cannot afford one INSERT per row, nor one outbox INSERT per
event: ``copy_rows`` streams rows through ``COPY ... FROM STDIN`` on the session's own
connection (so they commit or roll back with everything else), and ``copy_events`` writes
outbox rows exactly as ``SqlUnitOfWork.commit`` would, for events the relay then publishes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import AsyncConnection, sql
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts.base import Event
from trainyard_common.db.uow import SqlUnitOfWork

OUTBOX_COLUMNS = ("topic", "message_key", "payload", "headers")


async def driver_connection(session: AsyncSession) -> AsyncConnection[Any]:
    """The psycopg connection under the session's current transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


async def copy_rows(session: AsyncSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table`` (text format; None is NULL); returns how many were written."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    driver = await driver_connection(session)
    count = 0
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            await copy.write_row(row)
            count += 1
    return count


async def copy_events(uow: SqlUnitOfWork, events: Iterable[Event]) -> int:
    """Write ``events`` into the outbox of ``uow``'s transaction (uncommitted), as ``emit`` + ``commit`` do.

    The relay publishes them once the transaction commits (it polls; nudge it for speed).
    """
    rows = (_outbox_values(uow, event) for event in events)
    return await copy_rows(uow.session, "outbox", OUTBOX_COLUMNS, rows)


def _outbox_values(uow: SqlUnitOfWork, event: Event) -> tuple[str, str, str, str]:
    row = uow._outbox_row(event)  # the same envelope, headers and trace context as a single emit
    return str(row["topic"]), str(row["message_key"]), str(row["payload"]), json.dumps(row["headers"])
