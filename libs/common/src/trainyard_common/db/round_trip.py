"""A unit of work's one statement as a transaction of its own, in one round trip.

Through SQLAlchemy each statement waits for its answer, and psycopg sends BEGIN and COMMIT as
round trips of their own: a transaction of one statement costs three waits and three times the
driver's and the kernel's per-message work. A hot use case whose writes fit in one statement
(commerce-access's checkout) sends it alone instead, on the session's own connection switched to
autocommit: the server commits it as it ends, or rolls it back whole when it fails. Where the
statement must read what committed after a lock it takes, a VOLATILE function reads it (its
queries take a snapshot of their own, see commerce-access's ``deleted_under_lock``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from trainyard_common.db.driver import as_sqlalchemy_error, psycopg_connection


async def committed_alone(session: AsyncSession, query: str, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """``query`` (psycopg's ``%(name)s`` placeholders) run and committed as a transaction of its
    own on ``session``'s connection; its first row. It must be the session's first statement.

    A failure commits nothing and surfaces as SQLAlchemy's error, without values, as a statement
    through the session would (a lost connection is an ``OperationalError``: the service answers
    503); the connection goes back to the pool transactional."""
    connection = await session.connection()
    driver = await psycopg_connection(connection)
    if driver.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("committed_alone must be the unit of work's first statement")
    await driver.set_autocommit(True)
    try:
        cursor = await driver.execute(query, values)
        return await cursor.fetchone()
    except psycopg.Error as error:
        raise as_sqlalchemy_error(error) from None
    finally:
        await _back_to_transactions(connection, driver)


async def _back_to_transactions(connection: AsyncConnection, driver: psycopg.AsyncConnection[Any]) -> None:
    """The connection as the pool lends it (transactional, idle), or discarded: a connection left
    in autocommit would make a later unit of work's statements commit one by one."""
    try:
        if driver.info.transaction_status != TransactionStatus.IDLE:  # not expected in autocommit
            await driver.rollback()
        await driver.set_autocommit(False)
    except psycopg.Error:
        await connection.invalidate()
