"""Pruning ``processed_events`` against a real PostgreSQL: old claims go, recent ones stay, in
chunks, and rows another transaction holds are skipped rather than waited for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from trainyard_common.db.engine import make_engine
from trainyard_common.messaging.pruning import default_keep_days, prune_processed_events
from trainyard_common.messaging.tables import messaging_metadata, processed_events
from trainyard_common.messaging.topics import DAY_MS, all_topics

pytestmark = pytest.mark.integration

KEEP = timedelta(days=37)


@pytest.fixture
async def engine(new_database: Callable[[str], str]) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(new_database("pruning"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


async def claim(engine: AsyncEngine, prefix: str, count: int, age: timedelta) -> None:
    rows = [{"consumer_group": "group", "event_id": f"{prefix}-{n}"} for n in range(count)]
    async with engine.begin() as conn:
        await conn.execute(insert(processed_events).values(processed_at=func.now() - age), rows)


async def claimed(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(select(processed_events.c.event_id))).scalars())


async def test_claims_older_than_kept_go_and_recent_ones_stay(engine: AsyncEngine) -> None:
    await claim(engine, "old", 25, age=KEEP + timedelta(hours=1))
    await claim(engine, "recent", 5, age=KEEP - timedelta(hours=1))
    await claim(engine, "new", 5, age=timedelta(0))

    assert await prune_processed_events(engine, KEEP, chunk=10) == 25  # chunks of 10, 10 and 5

    assert await claimed(engine) == {f"recent-{n}" for n in range(5)} | {f"new-{n}" for n in range(5)}
    assert await prune_processed_events(engine, KEEP, chunk=10) == 0


async def test_a_last_chunk_that_is_exactly_full_is_followed_by_an_empty_one(engine: AsyncEngine) -> None:
    await claim(engine, "old", 20, age=KEEP * 2)
    assert await prune_processed_events(engine, KEEP, chunk=10) == 20
    assert await claimed(engine) == set()


async def test_claims_another_transaction_holds_are_skipped_not_waited_for(engine: AsyncEngine) -> None:
    await claim(engine, "old", 6, age=KEEP * 2)
    async with engine.begin() as holder:
        await holder.execute(text("SELECT 1 FROM processed_events WHERE event_id = 'old-0' FOR UPDATE"))
        pruned = await asyncio.wait_for(prune_processed_events(engine, KEEP, chunk=4), timeout=5)
        assert pruned == 5
    assert await claimed(engine) == {"old-0"}
    assert await prune_processed_events(engine, KEEP, chunk=4) == 1


def test_claims_are_kept_as_long_as_any_topic_may_bring_their_event_back() -> None:
    """Dead letters included (a replay reaches every group of the topic), plus a log segment."""
    longest_days = max(spec.retention_ms for spec in all_topics()) // DAY_MS
    assert longest_days == 30  # the event topics: dead letters keep 14 days since issue 16
    assert default_keep_days() == longest_days + 7
