"""Issue 16, items 1 and 4: each customer's own key, served by customer-account to gateway-signed
callers, destroyed by the erasure; the certificate of erasure names what each service removed and
when the key was destroyed."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest
from support.customers import eventually

from trainyard_common.testing.service_auth import LEARNER_HEADER
from trainyard_common.testing.system import System

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery"


def test_a_customers_key_is_served_until_the_erasure_destroys_it(
    system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:10]
    registered = public.post(
        "/api/v1/learner/register",
        json={"email": f"keyed-{tag}@keys.example", "first_name": "Key", "last_name": tag, "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    customer_id = registered.json()["id"]

    with system.customer_account.signed() as service:
        served = service.get(f"/v1/customer-keys/{customer_id}")
        assert served.status_code == 200, served.text
        assert set(served.json()) == {"customer_id", "key"}  # the key only: nothing of the KEK
        key = served.json()["key"]
        assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == 32
        assert service.get(f"/v1/customer-keys/{customer_id}").json()["key"] == key
        assert service.get(f"/v1/customer-keys/{uuid.uuid4()}").status_code == 404
        learner = service.get(f"/v1/customer-keys/{customer_id}", headers={LEARNER_HEADER: customer_id})
        assert learner.status_code == 403  # a learner's token (even their own) never reaches keys
    assert httpx.get(f"{system.customer_account.url}/v1/customer-keys/{customer_id}").status_code == 401

    inactive = admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"})
    assert inactive.status_code in (200, 204), inactive.text
    erased = admin.post(f"{ADMIN}/customers/{customer_id}/erasure")
    assert erased.status_code == 202, erased.text

    with system.customer_account.signed() as service:
        gone = service.get(f"/v1/customer-keys/{customer_id}")
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "key_destroyed"

    certificate = eventually(lambda: _complete(admin, customer_id), timeout=90)
    assert certificate, admin.get(f"{ADMIN}/customers/{customer_id}/erasure").text
    assert certificate["key_destroyed_at"] is not None
    assert certificate["key_destroyed_at"] >= certificate["requested_at"]
    removed = {s["service"]: s["removed"] for s in certificate["services"]}
    assert "learners.email" in removed["client-directory"]
    assert "customers" in removed["commerce-access"]
    assert "quiz_submissions.answers" in removed["training-progress"]
    assert all(s["confirmed_at"] for s in certificate["services"])


def _complete(admin: httpx.Client, customer_id: str) -> dict[str, Any] | None:
    found = admin.get(f"{ADMIN}/customers/{customer_id}/erasure").json()
    return dict(found) if found.get("complete") else None
