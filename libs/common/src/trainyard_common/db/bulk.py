"""Writing many rows at once with PostgreSQL's COPY, inside a unit of work's transaction.

Bulk paths (a 100,000-row import) cannot afford one INSERT per row, nor a Python object per
event: ``copy_records`` streams rows through ``COPY ... FROM STDIN`` on the session's own
connection (so they commit or roll back with everything else), and a bulk path writes its events
in SQL from the rows it has just written (``trainyard_common.messaging.outbox.insert_outbox_sql``
with ``outbox_params``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from psycopg import AsyncConnection, sql
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.db.uow import SqlUnitOfWork, current_cause
from trainyard_common.messaging.outbox import SqlEvent, outbox_sql_params

BULK_WORK_MEM = "256MB"


async def driver_connection(session: AsyncSession) -> AsyncConnection[Any]:
    """The psycopg connection under the session's current transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


async def copy_records(session: AsyncSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table`` with psycopg's own row formatting; returns how many.

    psycopg formats each value by its type, in C (UUIDs, str, datetimes, decimals, booleans, None
    as NULL; a dict needs ``psycopg.types.json.Jsonb``) and buffers the rows into large writes:
    several times cheaper per row than formatting and escaping the lines in Python.
    """
    driver = await driver_connection(session)
    count = 0
    async with driver.cursor() as cursor, cursor.copy(_copy_statement(table, columns)) as copy:
        for row in rows:
            await copy.write_row(row)
            count += 1
    return count


def _copy_statement(table: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def outbox_params(uow: SqlUnitOfWork, events: Sequence[SqlEvent]) -> dict[str, str]:
    """The bind parameters of ``insert_outbox_sql(…, events, …)`` for events written in ``uow``'s
    transaction: its service as their source and the cause ``emit`` would give them (the unit of
    work's, else the current correlation id and span). The unit of work's commit then nudges the
    relay."""
    uow.outbox_written_by_sql()
    return outbox_sql_params(events, uow.outbox_rows.source, uow.cause or current_cause())


async def allow_large_sorts(session: AsyncSession, work_mem: str = BULK_WORK_MEM) -> None:
    """Give the sorts and hashes of this transaction (only) room in memory: with the server's default
    (4 MB), ordering 200,000 outbox rows built in SQL or grouping 100,000 roll-up pairs spills to
    temporary files."""
    await session.execute(text("SELECT set_config('work_mem', :work_mem, true)"), {"work_mem": work_mem})


@contextlib.asynccontextmanager
async def custom_plans(session: AsyncSession) -> AsyncIterator[None]:
    """Statements run inside are planned for their parameters and the tables' sizes at hand.

    psycopg prepares a statement it has run five times, and PostgreSQL may then keep a generic plan
    made while a bulk path's tables were still small: a lookup of 1,000 e-mails in a customer import's
    batch then hashed the whole, growing customers table instead of probing its index (20 ms per batch
    at 100,000 customers). Outside the block, the transaction plans as usual.
    """
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    # Not on an error: the transaction is then failed, and the setting goes with it.
    await session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))
