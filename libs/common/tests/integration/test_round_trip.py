"""``db.round_trip``: a unit of work's one statement as a transaction of its own on its session's
connection (autocommit); a failure commits nothing, raises SQLAlchemy's error without the
submitted value, and the connection goes back to the pool transactional."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.round_trip import committed_alone

pytestmark = pytest.mark.integration

SECRET = "bob.secret@example.com"


@pytest.fixture
async def sessions(new_database: Callable[[str], str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(new_database("round_trip"), pool_size=1)  # every session on the same connection
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (n int)"))
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def notes(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return list((await session.execute(text("SELECT n FROM notes ORDER BY n"))).scalars())


async def test_the_statement_commits_alone_and_answers_its_first_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        row = await committed_alone(session, "INSERT INTO notes VALUES (1), (2) RETURNING n", {})
        assert row == (1,)

    assert await notes(sessions) == [1, 2]


async def test_a_failure_commits_nothing_names_no_value_and_leaves_the_connection_transactional(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(DataError) as raised:
            await committed_alone(session, "INSERT INTO notes VALUES (1), (CAST(%(n)s AS int))", {"n": SECRET})
    assert "invalid input syntax for type integer" in str(raised.value)
    assert SECRET not in str(raised.value)

    async with sessions() as session:  # the same connection: a statement without commit stays uncommitted
        await session.execute(text("INSERT INTO notes VALUES (3)"))
    assert await notes(sessions) == []


async def test_it_refuses_to_start_inside_a_transaction(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await session.execute(text("INSERT INTO notes VALUES (4)"))
        with pytest.raises(RuntimeError, match="first statement"):
            await committed_alone(session, "INSERT INTO notes VALUES (5)", {})
    assert await notes(sessions) == []
