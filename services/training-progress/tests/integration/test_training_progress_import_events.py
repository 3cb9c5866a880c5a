"""The import commit writes its events in SQL (``INSERT INTO outbox … SELECT`` from the entries it has
just written): every one must be what consumers accept — the committed JSON Schema, the contract,
CloudEvents headers — and what the Python path (``announcements.change_events``) sends for the same
entries, in an order that keeps each entry's ProgressRecorded before its TrainingCompleted and a
learner's modules before their courses before their certifications.

The service layer runs against a fresh, migrated database with no relay, so the outbox keeps every
row for the test to read."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from training_progress.adapters.progress import entry_from_row
from training_progress.bootstrap import MIGRATIONS, NAME
from training_progress.domain.progress import NamedEntry
from training_progress.service_layer import imports
from training_progress.service_layer.announcements import change_events
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.contracts import Event, ProgressRecorded, TrainingCompleted
from trainyard_common.correlation import bind_correlation_id
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.testing.outbox import CheckedRow, check_outbox_row, outbox_rows

pytestmark = pytest.mark.integration

SOURCE = f"/trainyard/{NAME}"
LEVELS = {"module": 0, "course": 1, "certification": 2}


@pytest.fixture
async def sessions(new_database: Callable[[str], str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = new_database("tp_import_events")
    await asyncio.to_thread(upgrade_to_head, url, MIGRATIONS)
    engine = make_engine(url, pool_size=2)
    yield make_session_factory(engine)
    await engine.dispose()


async def test_every_event_of_a_commit_is_valid_and_what_the_python_path_sends(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _catalogue_and_learners(sessions)

    def uow() -> ProgressUnitOfWork:
        return ProgressUnitOfWork(sessions, source=SOURCE)

    bind_correlation_id("import-request-1")
    committed_at = await _import(
        uow,
        [
            ("ada@example.com", "module", "Module A", "2025-03-24"),  # new
            ("ada@example.com", "module", "Module B", "2025-03-25"),  # new: completes courses K, L and X
            ("grace@example.com", "module", "Module A", "2025-03-20"),  # completes her In Progress entry
        ],
    )

    async with sessions() as session:
        rows = await outbox_rows(session)
        changed = await session.execute(
            text(
                "SELECT p.*, i.name AS item_name FROM progress p JOIN items i ON i.id = p.item_id "
                "WHERE p.updated_at = :at"
            ),
            {"at": committed_at},
        )
        expected = [
            e for r in changed for e in change_events(NamedEntry(entry_from_row(r._mapping), r.item_name), committed_at)
        ]
    checked = [check_outbox_row(*row, source=SOURCE) for row in rows]

    # ada: A, B, K, L, X completed; grace: A completed (score and start kept), L completed, X in progress.
    assert len(expected) == 15
    assert _sorted(c.event for c in checked) == _sorted(expected)
    grace_a = next(
        c.event
        for c in checked
        if isinstance(c.event, TrainingCompleted)
        and (c.event.customer_id, c.event.item_id) == (ids["grace"], ids["Module A"])
    )
    assert (grace_a.score, grace_a.started_at) == (Decimal(40), datetime(2025, 3, 1, 9, tzinfo=UTC))
    assert {c.envelope.correlation_id for c in checked} == {"import-request-1"}
    assert len({c.envelope.event_id for c in checked}) == len(checked)
    _assert_order(checked)


def _assert_order(checked: list[CheckedRow]) -> None:
    """Outbox order is publishing order: an entry's ProgressRecorded before its TrainingCompleted, and a
    learner's modules, then courses, then certifications (as the roll-up wrote them)."""
    seen: dict[uuid.UUID, list[str]] = {}
    levels: dict[uuid.UUID, list[int]] = {}
    for c in checked:
        assert isinstance(c.event, ProgressRecorded | TrainingCompleted)
        seen.setdefault(c.event.progress_id, []).append(c.event.event_type)
        levels.setdefault(c.event.customer_id, []).append(LEVELS[c.event.item_type.value])
    assert all(kinds[0] == "ProgressRecorded" and kinds.count("ProgressRecorded") == 1 for kinds in seen.values())
    assert all(order == sorted(order) for order in levels.values())


def _sorted(events: Any) -> list[Event]:
    return sorted(events, key=lambda e: (e.event_type, str(e.progress_id)))


async def _import(uow: Callable[[], ProgressUnitOfWork], rows: list[tuple[str, str, str, str]]) -> datetime:
    """Analyse and commit ``rows`` as the HTTP routes do; returns the commit's time."""
    now = datetime.now(UTC)
    import_id = await imports.open_import(uow(), "progress.csv", now)
    await imports.analyse(uow, import_id, iter([list(r) for r in rows]), (0, 1, 2, 3), now.date())
    await imports.begin_commit(uow(), import_id)
    await imports.commit(uow, import_id)
    state = await imports.state_of(uow(), import_id)
    assert (state.status, state.failure, state.imported) == ("committed", None, len(rows)), state
    assert state.committed_at is not None
    return state.committed_at


async def _catalogue_and_learners(sessions: async_sessionmaker[AsyncSession]) -> dict[str, uuid.UUID]:
    """Modules A, B (required) and C (optional) make course K; A alone makes course L; K and L make
    certification X. Ada and Grace are learners; Grace started A (score 40) and K on her own."""
    ids = {name: uuid.uuid4() for name in ("Module A", "Module B", "Module C", "Course K", "Course L", "Cert X")}
    ids |= {"ada": uuid.uuid4(), "grace": uuid.uuid4()}
    items = [
        {"id": ids[name], "type": kind, "name": name}
        for name, kind in [
            ("Module A", "module"),
            ("Module B", "module"),
            ("Module C", "module"),
            ("Course K", "course"),
            ("Course L", "course"),
            ("Cert X", "certification"),
        ]
    ]
    links = [("Course K", "Module A", True), ("Course K", "Module B", True), ("Course K", "Module C", False)]
    links.append(("Course L", "Module A", True))
    started = datetime(2025, 3, 1, 9, tzinfo=UTC)
    async with sessions() as session:
        await session.execute(
            text(
                "INSERT INTO items (id, item_type, name, name_key, created_at) "
                "VALUES (:id, :type, :name, lower(:name), now())"
            ),
            items,
        )
        await session.execute(
            text("INSERT INTO course_modules VALUES (:course, :module, 0, :required)"),
            [{"course": ids[c], "module": ids[m], "required": r} for c, m, r in links],
        )
        await session.execute(
            text("INSERT INTO certification_courses VALUES (:cert, :course, 0)"),
            [{"cert": ids["Cert X"], "course": ids[c]} for c in ("Course K", "Course L")],
        )
        await session.execute(
            text(
                "INSERT INTO customers (customer_id, email, first_name, last_name, registered_at) "
                "VALUES (:id, :email, 'Test', 'Learner', now())"
            ),
            [{"id": ids[n], "email": f"{n}@example.com"} for n in ("ada", "grace")],
        )
        await session.execute(
            text(
                "INSERT INTO progress (id, customer_id, item_type, item_id, status, source, score, started_at, "
                "updated_at) VALUES (gen_random_uuid(), :customer, :type, :item, 'in_progress', 'learner', :score, "
                ":started, :started)"
            ),
            [
                {"customer": ids["grace"], "type": "module", "item": ids["Module A"], "score": 40, "started": started},
                {
                    "customer": ids["grace"],
                    "type": "course",
                    "item": ids["Course K"],
                    "score": None,
                    "started": started,
                },
            ],
        )
        await session.commit()
    return ids
