"""Issue 17, items 9 and 11, through the gateway with every service running as a process: one
learner assigned to any client outside a class, the report for several clients, and the report
per class (each enrolment counted for the client the student had in that class)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"


def registered(public: httpx.Client, email: str) -> str:
    response = register(public, email)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_one_learner_is_assigned_to_any_client_outside_a_class(
    system: Any, admin: httpx.Client, public: httpx.Client
) -> None:
    domain = unique_domain()
    acme = create_client(admin, domain)["id"]
    other = create_client(admin, unique_domain())["id"]
    ada = registered(public, f"ada@{domain}")
    wait_for_learner(admin, acme, ada)

    moved = admin.put(f"{ADMIN}/customers/{ada}/client", json={"client_id": other})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["client"]["id"], moved.json()["how"]) == (other, "manual")
    assert wait_for_learner(admin, other, ada)["how"] == "manual"
    removed = admin.put(f"{ADMIN}/customers/{ada}/client", json={"client_id": None})
    assert removed.status_code == 200, removed.text
    assert removed.json()["client"] is None
    unknown = admin.put(f"{ADMIN}/customers/{ada}/client", json={"client_id": str(uuid.uuid4())})
    assert unknown.status_code == 422, unknown.text


def test_reports_for_several_clients_and_per_class(system: Any, admin: httpx.Client, public: httpx.Client) -> None:
    domain = unique_domain()
    acme = create_client(admin, domain)["id"]
    other = create_client(admin, unique_domain())["id"]
    third = create_client(admin, unique_domain())["id"]
    ada, bob = registered(public, f"ada@{domain}"), registered(public, f"bob@{domain}")
    wait_for_learner(admin, acme, ada)
    wait_for_learner(admin, acme, bob)

    several = admin.get(f"{ADMIN}/reports/clients", params=[("client_id", acme), ("client_id", other)])
    assert several.status_code == 200, several.text
    assert {row["client_id"] for row in several.json()["items"]} == {acme, other}
    assert several.json()["total"] == 2
    assert third not in {row["client_id"] for row in several.json()["items"]}

    created = admin.post(
        f"{ADMIN}/classes",
        json={"name": f"Class {domain}", "starts_on": "2026-03-01", "ends_on": "2026-03-02", "default_client_id": acme},
    )
    assert created.status_code == 201, created.text
    class_id = created.json()["id"]
    enrolled = admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": [ada, bob]})
    assert enrolled.status_code == 200, enrolled.text
    assigned = admin.post(
        f"{ADMIN}/classes/{class_id}/client-assignments", json={"customer_ids": [bob], "client_id": other}
    )
    assert assigned.status_code == 200, assigned.text
    # Later, outside the class: ada's current client changes, not the one she had in the class.
    assert admin.put(f"{ADMIN}/customers/{ada}/client", json={"client_id": third}).status_code == 200

    report = admin.get(f"{ADMIN}/reports/classes/{class_id}")

    assert report.status_code == 200, report.text
    body = report.json()
    assert body["enrollments"] == 2
    assert {(row["client_id"], row["enrollments"]) for row in body["items"]} == {(acme, 1), (other, 1)}
    assert admin.get(f"{ADMIN}/reports/classes/{uuid.uuid4()}").status_code == 404
