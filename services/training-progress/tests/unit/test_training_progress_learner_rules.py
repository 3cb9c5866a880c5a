"""Issue 15, item 7, the pure rules: what a learner's own progress may say, when access is live,
and how a learner's refusal reaches HTTP (403 with its code). No database, no broker."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from training_progress.domain import catalogue, progress
from training_progress.domain.catalogue import ModuleKind, Question, Quiz
from training_progress.domain.errors import NotAllowed
from training_progress.domain.learners import AccessRow
from training_progress.entrypoints.http import install_error_handlers
from trainyard_common.http.errors import install_error_handlers as install_shared_handlers

TODAY = date(2025, 3, 24)
QUIZ = catalogue.new_module(
    "Q", ModuleKind.QUIZ, Quiz((Question(uuid.uuid4(), "Two?", ("1", "2"), frozenset({1})),), Decimal(50), None)
)


def _refusal(item: catalogue.Item, completed: bool, score: Decimal | None = None) -> tuple[str | None, str | None]:
    with pytest.raises(NotAllowed) as refused:
        progress.check_learner_may_record(item, completed=completed, score=score)
    return refused.value.code, refused.value.field_name


def test_a_learner_records_modules_only_and_a_quiz_only_as_started() -> None:
    course = catalogue.new_course("K", [])
    certification = catalogue.new_certification("X", [])
    for item in (course, certification):
        assert _refusal(item, completed=False) == ("completed_by_roll_up", "item_type")
        assert _refusal(item, completed=True) == ("completed_by_roll_up", "item_type")
    assert _refusal(QUIZ, completed=True) == ("quiz_needs_submission", "status")
    assert _refusal(QUIZ, completed=False, score=Decimal(100)) == ("quiz_needs_submission", "score")
    progress.check_learner_may_record(QUIZ, completed=False, score=None)
    for kind in (ModuleKind.CONTENT, ModuleKind.SCORM):
        progress.check_learner_may_record(catalogue.new_module("M", kind), completed=True, score=Decimal(80))


@pytest.mark.parametrize(
    ("state", "starts_on", "ends_on", "live"),
    [
        ("active", TODAY, None, True),
        ("active", TODAY - timedelta(days=9), TODAY, True),  # the last day counts
        ("active", TODAY - timedelta(days=9), TODAY - timedelta(days=1), False),
        ("active", TODAY + timedelta(days=1), None, False),
        ("revoked", TODAY - timedelta(days=9), None, False),
        ("expired", TODAY - timedelta(days=9), TODAY + timedelta(days=1), False),
    ],
)
def test_access_is_live_while_active_started_and_not_ended(
    state: str, starts_on: date, ends_on: date | None, live: bool
) -> None:
    row = AccessRow(uuid.uuid4(), uuid.uuid4(), "course", uuid.uuid4(), starts_on, ends_on, state)
    assert row.live_on(TODAY) is live


async def test_a_learners_refusal_is_a_403_with_its_code_and_field() -> None:
    app = FastAPI()
    install_shared_handlers(app)
    install_error_handlers(app)

    @app.get("/refused")
    async def refused() -> None:
        raise progress.no_access()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tp") as client:
        response = await client.get("/refused")
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["details"][0]["field"]) == ("no_access", "item_id")
