"""Issue 15, item 9: changes an admin makes while impersonating a learner name that admin, in the
data (progress entries, quiz submissions, SCORM data) and in the events (``impersonated_by``);
the roll-up a learner's action causes carries the same admin. The learner's own changes, admin
entries and imports name nobody. The use cases are called directly on a fresh migrated database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Question, Quiz
from training_progress.domain.learners import AccessRow
from training_progress.service_layer import learning
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.catalogue import add_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
ADMIN = "support-admin"
Q1 = uuid.uuid4()


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tpimp"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _catalogue(uows: Uows) -> dict[str, Item]:
    """Course K: module A and quiz Q (both required), SCORM S (optional); certification X: course K."""
    quiz = Quiz((Question(Q1, "Two?", ("1", "2"), frozenset({1})),), Decimal(50), None)
    items = {
        "A": await add_item(uows(), catalogue.new_module("A", ModuleKind.CONTENT)),
        "Q": await add_item(uows(), catalogue.new_module("Q", ModuleKind.QUIZ, quiz)),
        "S": await add_item(uows(), catalogue.new_module("S", ModuleKind.SCORM)),
    }
    modules = [CourseModule(items["A"].id), CourseModule(items["Q"].id), CourseModule(items["S"].id, required=False)]
    items["K"] = await add_item(uows(), catalogue.new_course("K", modules))
    items["X"] = await add_item(uows(), catalogue.new_certification("X", [items["K"].id]))
    return items


async def _learner_with_access(uows: Uows, items: dict[str, Item]) -> uuid.UUID:
    customer_id = uuid.uuid4()
    row = AccessRow(uuid.uuid4(), customer_id, "course", items["K"].id, date(2025, 1, 1), None, "active")
    async with uows() as uow:
        await uow.projections.save_access([row], NOW)
        await uow.commit()
    return customer_id


async def _impersonators(uows: Uows, customer_id: uuid.UUID) -> dict[uuid.UUID, str | None]:
    async with uows() as uow:
        return {n.entry.item_id: n.entry.impersonated_by for n in await uow.progress.of_customer(customer_id)}


async def _rows(uows: Uows, sql: str, customer_id: uuid.UUID) -> list[Any]:
    async with uows() as uow:
        return list((await uow.session.execute(text(sql), {"c": customer_id})).all())


async def test_progress_made_while_impersonating_names_the_admin_up_the_roll_up(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = await _learner_with_access(uows, items)
    entry = await use_cases.record_learner_progress(
        uows(), ada, items["A"].type, items["A"].id, completed=True, score=None, now=NOW, impersonated_by=ADMIN
    )
    assert entry.impersonated_by == ADMIN
    await learning.submit_quiz(uows(), ada, items["Q"].id, {Q1: frozenset({1})}, NOW, impersonated_by=ADMIN)
    by_item = await _impersonators(uows, ada)
    assert {by_item[items[n].id] for n in ("A", "Q", "K", "X")} == {ADMIN}  # the roll-up too
    recorded = await emitted(uows(), "ProgressRecorded")
    completed = await emitted(uows(), "TrainingCompleted")
    assert {e["item_id"] for e in completed} == {str(items[n].id) for n in ("A", "Q", "K", "X")}
    assert {e["impersonated_by"] for e in recorded + completed} == {ADMIN}
    submissions = await _rows(uows, "SELECT impersonated_by FROM quiz_submissions WHERE customer_id = :c", ada)
    assert submissions == [(ADMIN,)]


async def test_scorm_data_stored_while_impersonating_names_the_admin_until_the_learner_sends_their_own(
    uows: Uows,
) -> None:
    items = await _catalogue(uows)
    ada = await _learner_with_access(uows, items)
    cmi = {"cmi.core.lesson_status": "incomplete"}
    await learning.store_cmi(uows(), ada, items["S"].id, cmi, NOW, impersonated_by=ADMIN)
    sql = "SELECT impersonated_by FROM cmi_data WHERE customer_id = :c"
    assert await _rows(uows, sql, ada) == [(ADMIN,)]
    assert (await _impersonators(uows, ada))[items["S"].id] == ADMIN
    assert [e["impersonated_by"] for e in await emitted(uows(), "ProgressRecorded")] == [ADMIN] * 3  # S, K and X
    await learning.store_cmi(uows(), ada, items["S"].id, {"cmi.core.lesson_status": "passed"}, NOW)
    assert await _rows(uows, sql, ada) == [(None,)]
    assert (await _impersonators(uows, ada))[items["S"].id] is None  # the latest change was the learner's
    assert (await emitted(uows(), "TrainingCompleted"))[-1]["impersonated_by"] is None


async def test_the_learners_own_changes_and_admin_entries_name_nobody(uows: Uows) -> None:
    items = await _catalogue(uows)
    ada = await _learner_with_access(uows, items)
    await use_cases.record_learner_progress(
        uows(), ada, items["A"].type, items["A"].id, completed=False, score=None, now=NOW, impersonated_by=ADMIN
    )
    assert (await _impersonators(uows, ada))[items["A"].id] == ADMIN
    # repeating what is already recorded changes nothing, so the entry keeps who made it
    await use_cases.record_learner_progress(
        uows(), ada, items["A"].type, items["A"].id, completed=False, score=None, now=NOW
    )
    assert (await _impersonators(uows, ada))[items["A"].id] == ADMIN
    await use_cases.edit_entry(uows(), ada, items["A"].id, use_cases.EntryEdit(completed=True), NOW)
    assert (await _impersonators(uows, ada))[items["A"].id] is None  # an admin's own edit
    await learning.submit_quiz(uows(), ada, items["Q"].id, {}, NOW)
    submissions = await _rows(uows, "SELECT impersonated_by FROM quiz_submissions WHERE customer_id = :c", ada)
    assert submissions == [(None,)]
    events = await emitted(uows(), "ProgressRecorded")
    assert [e["impersonated_by"] for e in events][-1] is None
