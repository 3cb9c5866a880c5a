"""Issue 17, item 2: every quiz submission is told (ProgressRecorded with ``quiz_submission``, never
the answers), even one that changes no progress; each progress event names its actor
(``acted_by``): the request's caller, the system outside a request."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import Item, ModuleKind, Question, Quiz
from training_progress.domain.learners import AccessRow
from training_progress.service_layer import learning
from training_progress.service_layer.catalogue import add_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.http.service_auth import Caller, acting_caller
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
Q1 = uuid.uuid4()


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tpactivity"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _quiz_with_learner(uows: Uows) -> tuple[Item, uuid.UUID]:
    quiz = Quiz((Question(Q1, "Two?", ("1", "2"), frozenset({1})),), Decimal(100), None)
    item = await add_item(uows(), catalogue.new_module("Q", ModuleKind.QUIZ, quiz))
    customer_id = uuid.uuid4()
    row = AccessRow(uuid.uuid4(), customer_id, "module", item.id, date(2025, 1, 1), None, "active")
    async with uows() as uow:
        await uow.projections.save_access([row], NOW)
        await uow.commit()
    return item, customer_id


async def test_every_quiz_submission_is_told_without_its_answers(uows: Uows) -> None:
    quiz, ada = await _quiz_with_learner(uows)

    with acting_caller(Caller(customer_id=str(ada))):
        first = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({0})}, NOW)
        again = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({0})}, NOW)  # changes no progress
    with acting_caller(Caller(customer_id=str(ada), impersonated_by="root")):
        passed = await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)

    told = [e for e in await emitted(uows(), "ProgressRecorded") if e.get("quiz_submission")]
    assert [e["quiz_submission"]["submission_id"] for e in told] == [
        str(s.submission.id) for s in (first, again, passed)
    ]
    assert [(e["quiz_submission"]["passed"], e["status"]) for e in told] == [
        (False, "in_progress"),
        (False, "in_progress"),
        (True, "completed"),
    ]
    assert [e["acted_by"] for e in told] == [
        {"kind": "learner", "name": None, "impersonated": False},
        {"kind": "learner", "name": None, "impersonated": False},
        {"kind": "admin", "name": "root", "impersonated": True},
    ]
    assert not any("answers" in e or "answers" in e["quiz_submission"] for e in told)


async def test_outside_a_request_progress_is_the_systems(uows: Uows) -> None:
    quiz, ada = await _quiz_with_learner(uows)

    await learning.submit_quiz(uows(), ada, quiz.id, {Q1: frozenset({1})}, NOW)

    events = await emitted(uows(), "ProgressRecorded") + await emitted(uows(), "TrainingCompleted")
    assert {e["acted_by"]["kind"] for e in events} == {"system"}
