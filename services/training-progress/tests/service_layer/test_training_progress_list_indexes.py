"""The admin training-progress list on big data (issue 18, item 4): every filter combination is
answered from an index — no sequential scan of progress, of the partners or of the customer
projection (the user filter) — its page and its (capped) total alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from training_progress.adapters.views import ProgressQuery, matching, page_query, progress_list
from training_progress.bootstrap import MIGRATIONS
from training_progress.domain.learners import LearnerClient
from training_progress.domain.progress import started
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.db.counting import COUNT_CAP, capped_count_query
from trainyard_common.testing.plans import assert_no_seq_scan, explain
from trainyard_common.testing.use_cases import database_filled_once, units_of_work
from trainyard_common.vocabulary import ProgressSource, TrainingItemType

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
ROWS = 200_000  # 20,000 learners, 10 of 300 items each
PARTNER = uuid.UUID("00000000-0000-0000-0000-000000000007")


def _uuid(kind: int, n: str) -> str:
    return f"('00000000-0000-0000-{kind:04d}-' || lpad(to_hex({n}), 12, '0'))::uuid"


FILL = f"""
INSERT INTO items (id, item_type, name, name_key, created_at)
SELECT {_uuid(1, "i")}, (ARRAY['module', 'course', 'certification'])[1 + i % 3],
       'Item ' || i, 'item ' || i, now()
FROM generate_series(0, 299) AS i;
INSERT INTO customers (customer_id, email, first_name, last_name, registered_at)
SELECT {_uuid(2, "c")}, 'user' || c || '@example.com', 'First' || c, 'Last' || c, now()
FROM generate_series(0, 19999) AS c;
INSERT INTO learner_clients (customer_id, client_id, client_name, assigned_at)
SELECT {_uuid(2, "c")}, {_uuid(0, "1 + c % 30")}, 'Partner ' || (c % 30), now()
FROM generate_series(0, 19999, 2) AS c;
INSERT INTO progress (id, customer_id, item_type, item_id, status, source, updated_at)
SELECT gen_random_uuid(), {_uuid(2, "i % 20000")},
       (ARRAY['module', 'course', 'certification'])[1 + ((i / 20000) * 30 + i % 30) % 3],
       {_uuid(1, "(i / 20000) * 30 + i % 30")},
       CASE WHEN i % 4 = 0 THEN 'completed' ELSE 'in_progress' END, 'learner',
       now() - i * interval '1 second'
FROM generate_series(0, {ROWS - 1}) AS i
"""

COMBINATIONS: list[dict[str, Any]] = [
    {},
    {"status": "completed"},
    {"status": "in_progress"},
    {"name": "Item 12"},
    {"partner_id": PARTNER},
    {"user": "user1234@"},
    {"status": "completed", "partner_id": PARTNER},
    {"name": "Item 1", "status": "in_progress"},
    {"user": "First77 Last77", "status": "completed"},
]


@pytest.fixture(scope="module")
def filled_database(pg_url: str) -> Iterator[str]:
    """Filled once for the module: its tests only read."""
    with database_filled_once(
        pg_url, "tp_lists", MIGRATIONS, FILL, "items", "customers", "learner_clients", "progress"
    ) as url:
        yield url


@pytest.fixture
async def filled(filled_database: str) -> AsyncIterator[Uows]:
    async with units_of_work(filled_database, ProgressUnitOfWork, MIGRATIONS) as uows:
        yield uows


async def test_each_filter_combination_is_answered_from_an_index(filled: Uows) -> None:
    failures = []
    for item_type in ("module", "course"):
        for filters in COMBINATIONS:
            query = ProgressQuery(item_type, **filters)
            async with filled() as uow:
                plans = {
                    "page": await explain(uow.session, page_query(query)),
                    "total": await explain(uow.session, capped_count_query(matching(query))),
                }
            for name, plan in plans.items():
                try:
                    assert_no_seq_scan(plan, "progress", "learner_clients", "customers")
                except AssertionError as failure:
                    failures.append(f"{name} of {item_type} {filters}: {failure}")
    assert not failures, "\n\n".join(failures)


async def test_the_total_stops_counting_at_the_cap(filled: Uows) -> None:
    async with filled() as uow:
        rows, total = await progress_list(uow.session, ProgressQuery("module", limit=5))
        _, one_learner = await progress_list(uow.session, ProgressQuery("module", user="user1234@"))
    assert total == COUNT_CAP + 1
    assert len(rows) == 5
    assert 0 < one_learner < 10


@pytest.fixture
async def two_modules(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tp_partner"), ProgressUnitOfWork, MIGRATIONS) as uows:
        async with uows() as uow:
            await uow.session.execute(
                text(FILL.split(";\n", maxsplit=1)[0].replace("299", "5"))
            )  # items 0-5: two of each type
            await uow.commit()
        yield uows


async def test_an_entry_follows_its_learners_partner_whatever_is_written_first(two_modules: Uows) -> None:
    """The partner filter reads the partner kept on each entry (migration 0012's triggers): entries
    written before the learner's assignment, after it, and through a move and a removal."""
    learner, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    filled = two_modules
    async with filled() as uow:
        modules = (await uow.session.execute(text("SELECT id FROM items WHERE item_type = 'module' LIMIT 2"))).all()
        before, after = (row.id for row in modules)

    async def write(change: Callable[[ProgressUnitOfWork], Any]) -> None:
        async with filled() as uow:
            await change(uow)
            await uow.commit()

    async def listed(partner: uuid.UUID) -> set[uuid.UUID]:
        async with filled() as uow:
            rows, total = await progress_list(uow.session, ProgressQuery("module", partner_id=partner))
        assert total == len(rows)
        return {row["item_id"] for row in rows}

    def entry(item: uuid.UUID) -> Any:
        return started(learner, TrainingItemType.MODULE, item, now, ProgressSource.LEARNER)

    def assigned(partner: uuid.UUID) -> LearnerClient:
        return LearnerClient(learner, partner, f"Partner {partner}", now)

    await write(lambda uow: uow.progress.save(entry(before), now))
    await write(lambda uow: uow.projections.assign_clients([assigned(first)]))
    await write(lambda uow: uow.progress.save(entry(after), now))
    assert await listed(first) == {before, after}

    await write(lambda uow: uow.projections.assign_clients([assigned(second)]))
    assert (await listed(first), await listed(second)) == (set(), {before, after})

    await write(lambda uow: uow.projections.remove_clients([learner]))
    assert await listed(second) == set()
