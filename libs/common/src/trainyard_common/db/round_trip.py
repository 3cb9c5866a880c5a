"""A unit of work's statements in one round trip, as one transaction.

Through SQLAlchemy each statement waits for its answer, and psycopg sends BEGIN and COMMIT as
round trips of their own: a transaction of two statements costs four waits and four times the
driver's and the kernel's per-message work. A hot use case that knows all its statements in
advance (commerce-access's checkout) sends them together instead, in psycopg's pipeline mode, on
the session's own connection switched to autocommit. No BEGIN or COMMIT is sent: in the extended
query protocol the statements up to the pipeline's Sync are one transaction, which the server
commits at that Sync, or rolls back whole when one of them fails. Each statement still takes its
own snapshot (READ COMMITTED), so a lock taken by one is held when the next one reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from trainyard_common.db.driver import as_sqlalchemy_error


@contextlib.asynccontextmanager
async def one_round_trip(session: AsyncSession) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """``session``'s psycopg connection, in autocommit and in a pipeline until the block ends: what
    the block sends travels together and is one transaction, committed when the block ends (the
    pipeline's Sync); the answers arrive then (a cursor's rows are read after the block). It must
    be the session's first statement, and the block sends no ``BEGIN`` or ``COMMIT`` of its own.

    A failure leaves nothing open (a transaction the server aborted is rolled back) and surfaces
    as SQLAlchemy's error, without values, as a statement through the session would (a lost
    connection is an ``OperationalError``: the service answers 503)."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError("one_round_trip needs SQLAlchemy's psycopg (async) driver")
    if driver.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("one_round_trip must be the unit of work's first statement")
    await driver.set_autocommit(True)
    try:
        async with driver.pipeline():
            yield driver
    except psycopg.Error as error:
        raise as_sqlalchemy_error(error) from None
    finally:
        await _back_to_transactions(connection, driver)


async def _back_to_transactions(connection: AsyncConnection, driver: psycopg.AsyncConnection[Any]) -> None:
    """The connection as the pool lends it (transactional, idle), or discarded: a connection left
    in autocommit would make a later unit of work's statements commit one by one."""
    try:
        if driver.info.transaction_status != TransactionStatus.IDLE:  # aborted mid-transaction
            await driver.rollback()
        await driver.set_autocommit(False)
    except psycopg.Error:
        await connection.invalidate()
