"""Issue 16: Trainyard's own consumers read the sealed version 2 topics, and the deprecated version 1
carries no personal data. A registration through the gateway reaches client-directory (mapped by its
e-mail domain) and commerce-access's customer projection (e-mail and names) — which only version 2
can give them, since version 1, read here with a plain Kafka consumer, has every personal field empty."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from support.flows import create_client, unique_domain, wait_for_learner

from trainyard_common.testing.kafka import read_topic
from trainyard_common.testing.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
PERSONAL = {
    "UserRegistered": ("email", "first_name", "last_name", "organization"),
    "CustomerProfileUpdated": (
        "email", "previous_email", "first_name", "last_name", "organization", "previous_organization",
    ),
}  # fmt: skip


def _payloads(system: System, topic: str, customer_id: str, at_least: int = 1) -> list[dict[str, Any]]:
    """The records keyed by the customer on ``topic``, read from the beginning with no consumer group."""

    def mine(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == customer_id.encode()]

    records = asyncio.run(
        read_topic(
            system.kafka_bootstrap, system.topic_prefix + topic, until=lambda rs: len(mine(rs)) >= at_least, timeout=60
        )
    )
    return [json.loads(r.value) for r in mine(records)]


def _projected(system: System, customer_id: str, check: Any, timeout: float = 60) -> dict[str, Any]:
    """commerce-access's projection of the customer, once ``check`` holds."""
    deadline = time.monotonic() + timeout
    with system.commerce_access.signed() as service:
        while True:
            found = service.get(f"/v1/customers/{customer_id}")
            if found.status_code == 200 and check(found.json()):
                return dict(found.json())
            if time.monotonic() > deadline:
                raise AssertionError(f"commerce-access's projection: {found.status_code} {found.text}")
            time.sleep(0.2)


def test_a_registration_reaches_client_directory_and_the_projection_from_v2_only(
    system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    domain, tag = unique_domain(), uuid.uuid4().hex[:8]
    client = create_client(admin, domain)
    email = f"v2-{tag}@{domain}"
    registered = public.post(
        "/api/v1/learner/register",
        json={"email": email, "first_name": "Vera", "last_name": f"Two{tag}", "organization": f"Org{tag}",
              "password": PASSWORD},
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    customer_id = registered.json()["id"]

    # Version 1, as any subscriber reads it: the facts, no personal data.
    [v1] = _payloads(system, "UserRegistered", customer_id)
    assert {name: v1[name] for name in PERSONAL["UserRegistered"]} == dict.fromkeys(PERSONAL["UserRegistered"], "")
    assert (v1["customer_id"], v1["source"]) == (customer_id, "self_registration")
    [v2] = _payloads(system, "UserRegistered.v2", customer_id)
    assert v2["email"].startswith("tyenc:v1:")

    # Mapped by the e-mail's domain, and the e-mail and names kept: only version 2 has them.
    learner = wait_for_learner(admin, client["id"], customer_id)
    assert learner["how"] == "domain"
    projected = _projected(system, customer_id, lambda c: True)
    assert (projected["email"], projected["first_name"], projected["last_name"]) == (email, "Vera", f"Two{tag}")

    # A profile change: version 1 empty again, the projection follows version 2.
    new_email = f"v2-new-{tag}@{domain}"
    changed = admin.patch(f"/api/v1/admin/customers/{customer_id}", json={"email": new_email, "first_name": "Vee"})
    assert changed.status_code == 200, changed.text
    [v1_change] = _payloads(system, "CustomerProfileUpdated", customer_id)
    personal = PERSONAL["CustomerProfileUpdated"]
    assert {name: v1_change[name] for name in personal} == dict.fromkeys(personal, "")
    assert set(v1_change["changed_fields"]) == {"email", "first_name"}
    assert _projected(system, customer_id, lambda c: c["email"] == new_email)["first_name"] == "Vee"
