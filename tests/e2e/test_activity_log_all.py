"""Issue 17, item 2, through the gateway with every service running: a customer's activity log
lists all their activity, fed by the other services' events — the sign-in, the order placed at
checkout and its access, the admin's product assignment and its access, progress recorded, a quiz
submitted, and progress recorded by an admin impersonating the learner — each with its actor."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from support.commerce import signed_in_learner
from support.customers import eventually
from support.training import ADMIN, create_item

pytestmark = pytest.mark.e2e

ADMIN_NAME = "e2e-admin"  # tests/e2e/conftest.py's admin
LEARNER = "/api/v1/learner"

Entry = tuple[str, str, str | None, bool]


def _product(admin: httpx.Client, item: dict[str, Any], item_type: str) -> str:
    body = {
        "name": f"Product {uuid.uuid4().hex[:6]}",
        "training_item": {"type": item_type, "id": item["id"]},
        "access_days": 365,
        "prices": [{"amount": "25.00", "currency": "USD"}],
    }
    response = admin.post(f"{ADMIN}/products", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["prices"][0]["price_id"])


def _log(admin: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    response = admin.get(f"{ADMIN}/customers/{customer_id}/activity-log", params={"limit": 200})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _summary(entry: dict[str, Any]) -> Entry:
    return (entry["type"], entry["actor_kind"], entry["actor_name"], entry["impersonated"])


def _posted(client: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> bool:
    return client.post(path, json=body, headers=headers).status_code in {200, 201}


def test_the_activity_log_lists_all_activity_with_its_actor(system: Any, admin: httpx.Client) -> None:
    module = create_item(admin, "/modules")
    second = create_item(admin, "/modules")
    quiz = create_item(
        admin,
        "/modules",
        kind="quiz",
        quiz={"questions": [{"text": "1 + 1?", "choices": ["1", "2"], "correct": [1]}], "pass_mark": "100"},
    )
    question = quiz["quiz"]["questions"][0]["id"]
    course = create_item(admin, "/courses", module_ids=[module["id"], quiz["id"], second["id"]])
    bought = _product(admin, course, "course")
    given = _product(admin, module, "module")

    customer_id, as_learner = signed_in_learner(system)  # registered, then signed in
    with system.public() as public:
        ordered = public.post(f"{LEARNER}/orders", json={"price_id": bought, "quantity": 1}, headers=as_learner)
        assert ordered.status_code == 201, ordered.text
        checkout_order = ordered.json()["id"]
        assigned = admin.post(f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": given})
        assert assigned.status_code == 201, assigned.text
        assigned_order = assigned.json()["id"]

        progress = {"item_type": "module", "item_id": module["id"], "status": "completed"}
        assert eventually(lambda: _posted(public, f"{LEARNER}/progress", progress, as_learner)), "no access known"
        answers = {"answers": {question: [1]}}
        submitted = public.post(f"{LEARNER}/quizzes/{quiz['id']}/submissions", json=answers, headers=as_learner)
        assert submitted.status_code == 201, submitted.text

        issued = admin.post(f"{ADMIN}/customers/{customer_id}/impersonation")
        assert issued.status_code == 201, issued.text
        as_admin = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        impersonated = {"item_type": "module", "item_id": second["id"], "status": "completed"}
        recorded = public.post(f"{LEARNER}/progress", json=impersonated, headers=as_admin)
        assert recorded.status_code == 200, recorded.text

    customer: Entry = ("", "customer", None, False)
    by_admin: Entry = ("", "admin", ADMIN_NAME, False)
    expected = {
        ("signed_in", *customer[1:]),
        ("order_placed", *customer[1:]),
        ("access_granted", *customer[1:]),
        ("order_placed", *by_admin[1:]),
        ("access_granted", *by_admin[1:]),
        ("progress_completed", *customer[1:]),
        ("quiz_submitted", *customer[1:]),
        ("impersonation_started", *by_admin[1:]),
        ("progress_completed", "admin", ADMIN_NAME, True),
    }
    deadline = time.monotonic() + 60
    entries = _log(admin, customer_id)
    while not expected <= {_summary(e) for e in entries} and time.monotonic() < deadline:
        time.sleep(0.3)  # the events travel
        entries = _log(admin, customer_id)
    assert expected <= {_summary(e) for e in entries}, [_summary(e) for e in entries]

    orders = {e["details"]["order_id"]: _summary(e) for e in entries if e["type"] == "order_placed"}
    assert orders == {
        checkout_order: ("order_placed", "customer", None, False),
        assigned_order: ("order_placed", "admin", ADMIN_NAME, False),
    }
    [quiz_entry] = [e for e in entries if e["type"] == "quiz_submitted"]
    assert (quiz_entry["details"]["item_id"], quiz_entry["details"]["passed"]) == (quiz["id"], True)
    assert "answers" not in quiz_entry["details"]
    completions = {e["details"]["item_id"]: _summary(e) for e in entries if e["type"] == "progress_completed"}
    assert completions[module["id"]] == ("progress_completed", "customer", None, False)
    assert completions[second["id"]] == ("progress_completed", "admin", ADMIN_NAME, True)
    assert completions[quiz["id"]] == ("progress_completed", "customer", None, False)

    # nothing twice: one entry per event
    fed = [e for e in entries if e["type"] in {"order_placed", "access_granted", "quiz_submitted"}]
    assert len(fed) == 5, [_summary(e) for e in fed]
