"""``ListStatements.page`` on a real PostgreSQL: the page and its capped total in one statement,
for a full page, the last (short) page, a page past the end, an empty list, and more rows than
the cap; a connection lost under a page is SQLAlchemy's error and leaves the pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, Select, String, Table, bindparam, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.db.counting import COUNT_CAP
from trainyard_common.db.engine import driver_free_url, make_engine, make_session_factory
from trainyard_common.db.listing import ListStatements, Shape

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("colour", String))
RED, BLUE = 7, COUNT_CAP + 5  # how many of each colour


def rows(shape: Shape) -> Select[Any]:
    query = select(things)
    if "colour" in shape:
        query = query.where(things.c.colour == bindparam("colour"))
    return query


LIST = ListStatements(rows, [things.c.id])


@pytest.fixture
async def sessions(new_database: Callable[[str], str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(new_database("list_pages"), pool_size=1)  # one connection: the next page reuses it
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        colours = ["red"] * RED + ["blue"] * BLUE
        await conn.execute(insert(things), [{"id": i, "colour": c} for i, c in enumerate(colours)])
    yield make_session_factory(engine)
    await engine.dispose()


async def page(
    sessions: async_sessionmaker[AsyncSession], colour: str, limit: int, offset: int
) -> tuple[list[int], int]:
    async with sessions() as session:
        found, total = await LIST.page(session, {"colour": colour}, limit=limit, offset=offset)
    assert all(set(row) == {"id", "colour"} for row in found)  # the list's columns, not its total's
    return [row["id"] for row in found], total


async def test_every_page_knows_the_lists_total(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await page(sessions, "red", limit=5, offset=0) == ([0, 1, 2, 3, 4], RED)
    assert await page(sessions, "red", limit=5, offset=5) == ([5, 6], RED)  # the short last page
    assert await page(sessions, "red", limit=5, offset=10) == ([], RED)  # past the end: counted alone
    assert await page(sessions, "green", limit=5, offset=0) == ([], 0)


async def test_the_total_is_capped(sessions: async_sessionmaker[AsyncSession]) -> None:
    found, total = await page(sessions, "blue", limit=3, offset=0)
    assert found == [RED, RED + 1, RED + 2]
    assert total == COUNT_CAP + 1  # "more than COUNT_CAP"


async def test_a_lost_connection_is_sqlalchemys_error_and_is_replaced(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        backend = await session.scalar(text("SELECT pg_backend_pid()"))
        await session.commit()
    async with await psycopg.AsyncConnection.connect(driver_free_url(sessions.kw["bind"]), autocommit=True) as other:
        await other.execute("SELECT pg_terminate_backend(%s)", (backend,))  # the pool's one connection

    with pytest.raises(OperationalError):  # the service's 503, as a statement through the session
        await page(sessions, "red", limit=5, offset=0)
    assert await page(sessions, "red", limit=5, offset=0) == ([0, 1, 2, 3, 4], RED)  # a new connection
