"""Issue 15, items 7 and 8, through the gateway with every service running: a learner records
progress only on modules a product opened to them (not courses or certifications, not a quiz
without a submission), access that ended opens nothing, and a quiz attempt never shows the learner
the answer key (the admin's View Responses does)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from support.commerce import signed_in_learner
from support.customers import eventually
from support.training import ADMIN, create_item, entry_of

pytestmark = pytest.mark.e2e

LEARNER = "/api/v1/learner"
QUESTIONS = [
    {"text": "1 + 1?", "choices": ["1", "2"], "correct": [1]},
    {"text": "Primes?", "choices": ["2", "4", "5"], "correct": [0, 2]},
]


def _course_product(admin: httpx.Client, course_id: str) -> str:
    """A product opening the course; its price id."""
    body = {
        "name": f"Product {uuid.uuid4().hex[:6]}",
        "training_item": {"type": "course", "id": course_id},
        "access_days": 365,
        "prices": [{"amount": "10.00", "currency": "USD"}],
    }
    response = admin.post(f"{ADMIN}/products", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["prices"][0]["price_id"])


def _progress(public: httpx.Client, token: dict[str, str], item: dict[str, Any], status: str, **extra: Any) -> Any:
    body = {"item_type": item["type"], "item_id": item["id"], "status": status, **extra}
    return public.post(f"{LEARNER}/progress", json=body, headers=token)


def _refused(response: httpx.Response, code: str) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == code


def test_a_learner_progresses_only_on_modules_a_product_opened_and_never_sees_the_quiz_key(system: Any) -> None:
    with system.admin() as admin:
        module = create_item(admin, "/modules")
        quiz = create_item(admin, "/modules", kind="quiz", quiz={"questions": QUESTIONS, "pass_mark": "100"})
        course = create_item(admin, "/courses", module_ids=[module["id"], quiz["id"]])
        certification = create_item(admin, "/certifications", course_ids=[course["id"]])
        elsewhere = create_item(admin, "/modules")
        price_id = _course_product(admin, course["id"])
    customer_id, token = signed_in_learner(system)
    module["type"] = quiz["type"] = elsewhere["type"] = "module"
    course["type"], certification["type"] = "course", "certification"

    with system.public() as public:
        assert _refused(_progress(public, token, module, "completed"), "no_access")
        answers = {"answers": {}}
        no_quiz = public.post(f"{LEARNER}/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        assert _refused(no_quiz, "no_access"), no_quiz.text

    with system.admin() as admin:
        assigned = admin.post(f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": price_id})
        assert assigned.status_code == 201, assigned.text
        access_id = assigned.json()["access"][0]["id"]

    with system.public() as public:
        started = eventually(lambda: _progress(public, token, module, "started").status_code == 200)
        assert started, "training-progress never learnt of the access"
        assert _refused(_progress(public, token, elsewhere, "started"), "no_access")
        for item in (course, certification):
            assert _refused(_progress(public, token, item, "completed"), "completed_by_roll_up")
        assert _refused(_progress(public, token, quiz, "completed"), "quiz_needs_submission")
        assert _refused(_progress(public, token, quiz, "started", score="100"), "quiz_needs_submission")

        blank = public.post(f"{LEARNER}/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        assert blank.status_code == 201, blank.text
        assert [(r["chosen"], r["is_correct"]) for r in blank.json()["responses"]] == [([], False), ([], False)]
        assert '"correct"' not in blank.text  # the answer key stays hidden
        done = _progress(public, token, module, "completed")
        assert done.status_code == 200, done.text

    with system.admin() as admin:
        assert entry_of(admin, "course", customer_id, course["id"])["status"] == "in_progress"  # type: ignore[index]
        assert entry_of(admin, "module", customer_id, quiz["id"])["status"] == "in_progress"  # type: ignore[index]
        listed = admin.get(f"{ADMIN}/customers/{customer_id}/quiz-submissions").json()
        assert [r["correct"] for r in listed["items"][0]["responses"]] == [[1], [0, 2]]  # admins see the key
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
        ended = admin.patch(
            f"{ADMIN}/access/{access_id}",
            json={"starts_on": str(yesterday - timedelta(days=30)), "ends_on": str(yesterday)},
        )
        assert ended.status_code == 200, ended.text

    with system.public() as public:
        gone = eventually(lambda: _refused(_progress(public, token, module, "started"), "no_access"))
        assert gone, "access that ended still opened the module"
        after = public.post(f"{LEARNER}/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        assert _refused(after, "no_access"), after.text
