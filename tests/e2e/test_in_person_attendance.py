"""Issue 17, item 7 through the gateway with every service running: an in-person module (date and
place), a course of it, the learner's transcript showing it (a product assigned), and the admin
marking attendance in the transcript edit: the module is completed on the event's day and the course
rolls up; attendance on an online module is refused (422 ``not_in_person``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.customers import eventually
from support.flows import create_client, register, unique_domain, wait_for_learner
from support.training import ADMIN, create_item

pytestmark = pytest.mark.e2e


@pytest.fixture
def learner(system: Any, admin: httpx.Client, public: httpx.Client) -> str:
    domain = unique_domain()
    client = create_client(admin, domain)
    response = register(public, f"ada-{uuid.uuid4().hex[:6]}@{domain}")
    assert response.status_code == 201, response.text
    customer_id = str(response.json()["id"])
    wait_for_learner(admin, client["id"], customer_id)
    return customer_id


def _assign(admin: httpx.Client, customer_id: str, course_id: str) -> None:
    product = admin.post(
        f"{ADMIN}/products",
        json={
            "name": f"Product {uuid.uuid4().hex[:6]}",
            "training_item": {"type": "course", "id": course_id},
            "prices": [{"amount": "10.00", "currency": "USD"}],
        },
    )
    assert product.status_code == 201, product.text
    price_id = product.json()["prices"][0]["price_id"]
    assigned = admin.post(f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": price_id})
    assert assigned.status_code == 201, assigned.text


def _transcript_item(admin: httpx.Client, customer_id: str, item_id: str) -> dict[str, Any] | None:
    response = admin.get(f"{ADMIN}/customers/{customer_id}/transcript")
    assert response.status_code == 200, response.text
    found = [i for i in response.json()["items"] if i["item_id"] == item_id]
    return found[0] if found else None


def test_attendance_completes_an_in_person_module_and_rolls_up(admin: httpx.Client, learner: str) -> None:
    missing_place = admin.post(
        f"{ADMIN}/modules", json={"name": f"E {uuid.uuid4().hex[:8]}", "kind": "in_person", "date": "2025-03-20"}
    )
    assert missing_place.status_code == 422, missing_place.text
    assert [d["field"] for d in missing_place.json()["error"]["details"]] == ["place"]
    dated_online = admin.post(f"{ADMIN}/modules", json={"name": f"O {uuid.uuid4().hex[:8]}", "date": "2025-03-20"})
    assert dated_online.status_code == 422, dated_online.text

    event = create_item(admin, "/modules", kind="in_person", date="2025-03-20", place="Room 4, Leeds")
    assert (event["kind"], event["date"], event["place"]) == ("in_person", "2025-03-20", "Room 4, Leeds")
    online = create_item(admin, "/modules")
    course = create_item(admin, "/courses", module_ids=[event["id"]])
    _assign(admin, learner, course["id"])
    shown = eventually(lambda: _transcript_item(admin, learner, course["id"]))
    assert shown, "the course never reached the learner's transcript"
    assert [(m["module_id"], m["status"]) for m in shown["modules"]] == [(event["id"], "not_started")]

    edit = f"{ADMIN}/customers/{learner}/transcript"
    attended = admin.patch(f"{edit}/{event['id']}", json={"attended": True})
    assert attended.status_code == 200, attended.text
    assert attended.json()["status"] == "completed"
    assert attended.json()["completed_at"].startswith("2025-03-20T00:00:00")

    module_row = _transcript_item(admin, learner, event["id"])
    assert module_row is not None
    assert (module_row["status"], module_row["kind"]) == ("completed", "in_person")
    course_row = _transcript_item(admin, learner, course["id"])
    assert course_row is not None
    assert course_row["status"] == "completed"  # rolled up
    assert [m["status"] for m in course_row["modules"]] == ["completed"]

    refused = admin.patch(f"{edit}/{online['id']}", json={"attended": True})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "not_in_person"
    on_course = admin.patch(f"{edit}/{course['id']}", json={"attended": True})
    assert (on_course.status_code, on_course.json()["error"]["code"]) == (422, "not_in_person")

    moved = admin.patch(f"{ADMIN}/modules/{event['id']}", json={"place": "Room 5"})
    assert (moved.status_code, moved.json()["place"]) == (200, "Room 5"), moved.text
    assert admin.patch(f"{ADMIN}/modules/{online['id']}", json={"place": "Room 5"}).status_code == 422
