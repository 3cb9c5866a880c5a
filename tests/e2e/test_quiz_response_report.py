"""Issue 17, item 8 through the gateway with every service running: the Quiz Response Report lists a
learner's own submission and an admin's "Add Completion" for another learner (the correct answers,
source ``admin_completion``), filtered by ``status``, ``from`` and ``to``; an unknown quiz is 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from support.customers import eventually
from support.flows import create_client, register, unique_domain, wait_for_learner
from support.training import ADMIN, create_item, wait_known

pytestmark = pytest.mark.e2e


def _learner(admin: httpx.Client, public: httpx.Client) -> dict[str, str]:
    domain = unique_domain()
    client = create_client(admin, domain)
    email = f"ada-{uuid.uuid4().hex[:6]}@{domain}"
    response = register(public, email)
    assert response.status_code == 201, response.text
    customer_id = str(response.json()["id"])
    wait_for_learner(admin, client["id"], customer_id)
    wait_known(admin, customer_id, create_item(admin, "/courses")["id"])
    return {"id": customer_id, "email": email}


def _report(admin: httpx.Client, quiz_id: str, **params: Any) -> dict[str, Any]:
    response = admin.get(f"{ADMIN}/quizzes/{quiz_id}/responses", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_quiz_response_report(system: Any, admin: httpx.Client, public: httpx.Client) -> None:
    ada, bob = _learner(admin, public), _learner(admin, public)
    quiz = create_item(
        admin,
        "/modules",
        kind="quiz",
        quiz={
            "questions": [
                {"text": "1 + 1?", "choices": ["1", "2"], "correct": [1]},
                {"text": "Evens?", "choices": ["1", "2", "4"], "correct": [1, 2]},
            ],
            "pass_mark": "100",
        },
    )
    q1, q2 = (q["id"] for q in quiz["quiz"]["questions"])
    course = create_item(admin, "/courses", module_ids=[quiz["id"]])
    product = admin.post(
        f"{ADMIN}/products",
        json={
            "name": f"Product {uuid.uuid4().hex[:6]}",
            "training_item": {"type": "course", "id": course["id"]},
            "prices": [{"amount": "10.00", "currency": "USD"}],
        },
    )
    assert product.status_code == 201, product.text
    price_id = product.json()["prices"][0]["price_id"]
    assigned = admin.post(f"{ADMIN}/customers/{ada['id']}/product-assignments", json={"price_id": price_id})
    assert assigned.status_code == 201, assigned.text

    signed_in = public.post(
        "/api/v1/learner/sessions", json={"email": ada["email"], "password": "correct horse battery"}
    )
    assert signed_in.status_code == 201, signed_in.text
    token = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    answers = {"answers": {q1: [1], q2: [1]}}  # the second question half right: failed

    def submit() -> httpx.Response | None:
        response = public.post(f"/api/v1/learner/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        return response if response.status_code == 201 else None

    taken = eventually(submit)  # once training-progress has learnt of the access
    assert taken, "training-progress never learnt of the learner's access"
    today = datetime.now(UTC).date().isoformat()

    body = {"quiz_id": quiz["id"], "status": "passed", "submitted_at": "2025-02-01T10:00:00Z", "score": "100"}
    added = admin.post(f"{ADMIN}/customers/{bob['id']}/quiz-completions", json=body)
    assert added.status_code == 201, added.text

    report = _report(admin, quiz["id"])
    assert report["total"] == 2
    by_source = {i["source"]: i for i in report["items"]}
    learner_row, admin_row = by_source["learner"], by_source["admin_completion"]
    assert (learner_row["customer_id"], learner_row["status"], learner_row["user_email"]) == (
        ada["id"],
        "failed",
        ada["email"],
    )
    assert {r["question_id"]: r["chosen"] for r in learner_row["responses"]} == {q1: [1], q2: [1]}
    assert (admin_row["customer_id"], admin_row["status"], admin_row["user_email"]) == (
        bob["id"],
        "passed",
        bob["email"],
    )
    assert admin_row["user_name"] == "Ada Lovelace"
    assert {r["question_id"]: (r["chosen"], r["is_correct"]) for r in admin_row["responses"]} == {
        q1: ([1], True),
        q2: ([1, 2], True),
    }  # the correct answers selected

    assert [i["source"] for i in _report(admin, quiz["id"], status="passed")["items"]] == ["admin_completion"]
    assert [i["source"] for i in _report(admin, quiz["id"], status="failed")["items"]] == ["learner"]
    assert [i["source"] for i in _report(admin, quiz["id"], **{"from": today})["items"]] == ["learner"]
    assert [i["source"] for i in _report(admin, quiz["id"], to="2025-02-01")["items"]] == ["admin_completion"]
    assert _report(admin, quiz["id"], **{"from": "2025-02-02", "to": "2025-02-03"})["items"] == []
    assert _report(admin, quiz["id"], limit=1, offset=1)["total"] == 2

    assert admin.get(f"{ADMIN}/quizzes/{uuid.uuid4()}/responses").status_code == 404
    assert admin.get(f"{ADMIN}/quizzes/{course['id']}/responses").status_code == 404
    assert admin.get(f"{ADMIN}/quizzes/{quiz['id']}/responses", params={"status": "maybe"}).status_code == 422
