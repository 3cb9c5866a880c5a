"""The batch statements of ``trainyard_common.db.batches`` on a real PostgreSQL: every column type
the services use travels through the arrays, NULLs included; the guard and RETURNING hold;
locked rows are locked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Column, Date, DateTime, MetaData, Numeric, Table, Text, Uuid, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from trainyard_common.db.batches import InsertRows, LockRows, UpdateRows
from trainyard_common.db.engine import make_engine

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text),
    Column("amount", Numeric(12, 2)),
    Column("flag", Boolean),
    Column("day", Date),
    Column("details", JSONB),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
COLUMNS = ["id", "name", "amount", "flag", "day", "details", "changed_at"]
UPSERT = InsertRows(
    things, COLUMNS, conflict=["id"], update=COLUMNS[1:], where="things.changed_at <= excluded.changed_at"
)
INSERT_NEW = InsertRows(things, COLUMNS, conflict=["id"], returning=["id"])
RENAME = UpdateRows(things, "id", ["name"])
LOCK = LockRows(things, "id", ["id", "name"], mode="NO KEY UPDATE")

T0 = datetime(2026, 1, 1, tzinfo=UTC)
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


@pytest.fixture
async def engine(new_database: Callable[[str], str]) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(new_database("batches"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def _rows(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(select(things).order_by(things.c.id))]


async def test_rows_travel_with_every_type_and_the_guard_keeps_newer_rows(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await UPSERT.execute(
            session,
            [
                (A, "a", Decimal("1.50"), True, date(2026, 1, 2), [{"x": 1}], T0),
                (B, None, None, None, None, None, T0),
            ],
        )
    async with sessions() as session, session.begin():
        older, newer = T0 - timedelta(seconds=1), T0 + timedelta(seconds=1)
        await UPSERT.execute(
            session,
            [(A, "older", None, None, None, None, older), (B, "newer", None, False, None, {"y": None}, newer)],
        )
        await UPSERT.execute(session, [])  # nothing to write: no statement

    assert await _rows(engine) == [
        (A, "a", Decimal("1.50"), True, date(2026, 1, 2), [{"x": 1}], T0),
        (B, "newer", None, False, None, {"y": None}, newer),
    ]


async def test_do_nothing_returns_only_the_rows_written(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session, session.begin():
        first = await INSERT_NEW.execute(session, [(A, "a", None, None, None, None, T0)])
        second = await INSERT_NEW.execute(
            session, [(A, "again", None, None, None, None, T0), (C, "c", None, None, None, None, T0)]
        )
    assert [r.id for r in first] == [A]
    assert [r.id for r in second] == [C]
    assert [r[1] for r in await _rows(engine)] == ["a", "c"]


async def test_locked_rows_come_in_key_order_and_stay_locked_until_the_update(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await UPSERT.execute(session, [(k, "x", None, None, None, None, T0) for k in (C, A, B)])
    async with sessions() as session, session.begin():
        locked = await LOCK.execute(session, [C, A, uuid.uuid4(), A])
        assert [r.id for r in locked] == [A, C], "existing rows only, once each, by key"
        assert await _locked_elsewhere(sessions, A)
        assert not await _locked_elsewhere(sessions, B)
        await RENAME.execute(session, [(A, "renamed a"), (C, "renamed c")])
    assert [r[1] for r in await _rows(engine)] == ["renamed a", "x", "renamed c"]


async def _locked_elsewhere(sessions: async_sessionmaker[AsyncSession], key: uuid.UUID) -> bool:
    async with sessions() as other, other.begin():
        try:
            await other.execute(text("SELECT 1 FROM things WHERE id = :id FOR NO KEY UPDATE NOWAIT"), {"id": key})
        except OperationalError:  # 55P03 lock_not_available
            return True
        return False
