"""The gateway's views across services: the customer page (also with a service down), the GDPR
export zip, and impersonation recorded in the customer's activity log under the admin's name."""

from __future__ import annotations

import csv
import io
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

pytestmark = pytest.mark.e2e

EXPORT_FILES = {
    "customer-account": {"profile.csv", "groups.csv", "login_history.csv", "activity_log.csv", "order_history.csv"},
    "client-directory": {"client.csv", "class_enrolments.csv"},
    "commerce-access": {"orders.csv", "access.csv"},
    "training-progress": {"completions.csv", "quiz_results.csv", "scorm_cmi.csv"},
}


@pytest.fixture
def mapped_customer(system: Any, admin: httpx.Client) -> dict[str, str]:
    """A registered learner, already mapped to a client (so every service has heard of them)."""
    domain = unique_domain()
    client = create_client(admin, domain)
    with system.public() as public:
        registered = register(public, f"grace-{uuid.uuid4().hex[:6]}@{domain}")
    assert registered.status_code == 201, registered.text
    customer = registered.json()
    wait_for_learner(admin, client["id"], customer["id"])
    # The gateway's view hears of the mapping from client-directory's event, a moment after
    # client-directory (its freshness has a test of its own below).
    path = f"/api/v1/admin/customers/{customer['id']}"
    assert eventually(lambda: (admin.get(path).json()["client"]["data"] or {}).get("client")), "view never mapped"
    return {"id": customer["id"], "email": customer["email"], "client_id": client["id"], "client_name": client["name"]}


def eventually(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_the_customer_page_gathers_every_section(admin: httpx.Client, mapped_customer: dict[str, str]) -> None:
    response = admin.get(f"/api/v1/admin/customers/{mapped_customer['id']}")
    assert response.status_code == 200, response.text
    page = response.json()
    for section in ("profile", "client", "orders", "access", "transcript"):
        assert page[section]["available"], (section, page[section])
    assert page["profile"]["data"]["email"] == mapped_customer["email"]
    assert page["client"]["data"]["client"]["name"] == mapped_customer["client_name"]


def test_the_customer_page_still_answers_with_a_service_down(
    system: Any, admin: httpx.Client, mapped_customer: dict[str, str]
) -> None:
    path = f"/api/v1/admin/customers/{mapped_customer['id']}"
    before = eventually(lambda: (p := admin.get(path).json())["transcript"]["as_of"] and p)
    assert before, "the customer view never held the transcript"
    system.training_progress.stop()
    try:
        response = admin.get(path)
    finally:
        system.training_progress.start()
        system.training_progress.wait_ready()
    assert response.status_code == 200, response.text
    page = response.json()
    # The customer view (issue 18) keeps the section's last answer, and says when it was read.
    assert page["transcript"] == before["transcript"]
    assert page["transcript"]["available"]
    assert page["transcript"]["service"] == "training-progress"
    assert page["profile"]["available"]
    assert page["client"]["available"]


def test_an_unknown_customer_has_no_page_and_no_export(admin: httpx.Client) -> None:
    for path in ("", "/export"):
        response = admin.get(f"/api/v1/admin/customers/{uuid.uuid4()}{path}")
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"


def test_the_gdpr_export_is_one_zip_of_every_services_csv(admin: httpx.Client, mapped_customer: dict[str, str]) -> None:
    response = admin.get(f"/api/v1/admin/customers/{mapped_customer['id']}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert names == set().union(*EXPORT_FILES.values())
        tables = {name: list(csv.reader(io.StringIO(archive.read(name).decode()))) for name in names}
    assert all(rows and rows[0] and all(rows[0]) for rows in tables.values()), "every file starts with its header"
    profile = [dict(zip(tables["profile.csv"][0], row, strict=True)) for row in tables["profile.csv"][1:]]
    assert [p["email"] for p in profile] == [mapped_customer["email"]]
    client = [dict(zip(tables["client.csv"][0], row, strict=True)) for row in tables["client.csv"][1:]]
    assert [c["client"] for c in client] == [mapped_customer["client_name"]]
    sign_ins = tables["login_history.csv"]
    assert len(sign_ins) == 1, "the learner never signed in: a header, no rows"


def test_impersonation_is_recorded_under_the_admins_name(
    system: Any, admin: httpx.Client, mapped_customer: dict[str, str]
) -> None:
    customer_id = mapped_customer["id"]
    issued = admin.post(f"/api/v1/admin/customers/{customer_id}/impersonation")
    assert issued.status_code == 201, issued.text
    token = issued.json()["access_token"]
    with httpx.Client(base_url=system.gateway.url, headers={"Authorization": f"Bearer {token}"}) as learner:
        changed = learner.patch("/api/v1/learner/profile", json={"first_name": "Augusta"})
        assert changed.status_code == 200, changed.text
        assert learner.delete("/api/v1/learner/sessions/current").status_code == 204
        assert learner.get("/api/v1/learner/profile").status_code == 401

    def activity() -> list[dict[str, Any]]:
        response = admin.get(f"/api/v1/admin/customers/{customer_id}/activity-log", params={"limit": 100})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    entries = eventually(lambda: [e for e in activity() if "impersonat" in str(e).lower()][-3:])
    text = [str(e).lower() for e in entries]
    assert len(entries) >= 3, entries  # started, the profile change, ended
    assert all("e2e-admin" in t for t in text), entries
    assert any("profile" in t for t in text), entries
