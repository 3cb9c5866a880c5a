"""Issue 17, items 12 and 13 through the gateway with every service running: the catalogue is
maintained (rename, restructure, deactivate: kept in progress, gone from the pick lists) and "select
all" on the Training Progress tab deletes what the admin saw (409 when the count differs)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner
from support.training import ADMIN, create_item, progress_entries, wait_known

pytestmark = pytest.mark.e2e


@pytest.fixture
def learner(system: Any, admin: httpx.Client, public: httpx.Client) -> str:
    domain = unique_domain()
    client = create_client(admin, domain)
    response = register(public, f"ada-{uuid.uuid4().hex[:6]}@{domain}")
    assert response.status_code == 201, response.text
    customer_id = str(response.json()["id"])
    wait_for_learner(admin, client["id"], customer_id)
    wait_known(admin, customer_id, create_item(admin, "/courses")["id"])
    return customer_id


def _complete(admin: httpx.Client, customer_id: str, item: dict[str, Any]) -> None:
    body = {
        "training_type": item["type"],
        "item_id": item["id"],
        "customer_id": customer_id,
        "completed_on": "2025-03-01",
    }
    response = admin.post(f"{ADMIN}/training-progress", json=body)
    assert response.status_code == 201, response.text


def _listed(admin: httpx.Client, kind: str, **params: Any) -> set[str]:
    response = admin.get(f"{ADMIN}/{kind}", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["items"]}


def test_the_catalogue_is_maintained(admin: httpx.Client, learner: str) -> None:
    first, second = create_item(admin, "/modules"), create_item(admin, "/modules")
    course = create_item(admin, "/courses", module_ids=[first["id"]])
    _complete(admin, learner, first)

    new_name = f"Renamed {uuid.uuid4().hex[:8]}"
    modules = [{"module_id": second["id"]}, {"module_id": first["id"], "required": False}]
    changed = admin.patch(f"{ADMIN}/courses/{course['id']}", json={"name": new_name, "modules": modules})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["module_ids"]) == (new_name, [second["id"], first["id"]])
    assert admin.patch(f"{ADMIN}/modules/{second['id']}", json={"name": first["name"]}).status_code == 409
    assert admin.patch(f"{ADMIN}/modules/{uuid.uuid4()}", json={"active": False}).status_code == 404
    assert admin.patch(f"{ADMIN}/modules/{first['id']}", json={"course_ids": []}).status_code == 422

    off = admin.patch(f"{ADMIN}/modules/{first['id']}", json={"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert first["id"] not in _listed(admin, "modules")
    assert first["id"] in _listed(admin, "modules", include_inactive="true")
    # kept in progress and reports
    assert [e["item_id"] for e in progress_entries(admin, "module", name=first["name"])] == [first["id"]]
    # not newly picked
    picked = admin.post(f"{ADMIN}/courses", json={"name": f"C {uuid.uuid4().hex[:8]}", "module_ids": [first["id"]]})
    assert picked.status_code == 422, picked.text

    certification = create_item(admin, "/certifications", course_ids=[course["id"]])
    off = admin.patch(f"{ADMIN}/certifications/{certification['id']}", json={"active": False, "course_ids": []})
    assert (off.status_code, off.json()["course_ids"]) == (200, []), off.text
    assert certification["id"] not in _listed(admin, "certifications")


def test_select_all_deletes_what_the_admin_saw(admin: httpx.Client, learner: str) -> None:
    tag = uuid.uuid4().hex[:8]
    modules = [create_item(admin, "/modules", name=f"Select {tag} {n}") for n in range(3)]
    for module in modules:
        _complete(admin, learner, module)
    kept = create_item(admin, "/modules")
    _complete(admin, learner, kept)
    body: dict[str, Any] = {"filter": {"type": "module", "name": f"select {tag}"}, "expected_count": 4}

    refused = admin.post(f"{ADMIN}/training-progress/deletions", json=body)
    assert refused.status_code == 409, refused.text
    assert len(progress_entries(admin, "module", name=f"select {tag}")) == 3

    body["expected_count"] = 3
    deleted = admin.post(f"{ADMIN}/training-progress/deletions", json=body)
    assert (deleted.status_code, deleted.json()) == (200, {"deleted": 3}), deleted.text
    assert progress_entries(admin, "module", name=f"select {tag}") == []

    # the ids form is kept; the two forms do not mix
    both = {"ids": [str(uuid.uuid4())], "filter": {"type": "module"}, "expected_count": 1}
    assert admin.post(f"{ADMIN}/training-progress/deletions", json=both).status_code == 422
    (entry,) = progress_entries(admin, "module", name=kept["name"])
    by_id = admin.post(f"{ADMIN}/training-progress/deletions", json={"ids": [entry["id"]]})
    assert (by_id.status_code, by_id.json()) == (200, {"deleted": 1}), by_id.text
