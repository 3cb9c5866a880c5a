"""Issue 15, item 9, through the gateway with every service running: an admin impersonating a
learner places an order and records progress; customer-account's activity log shows the order
under the admin (impersonating), the events name the admin (commerce-access's OrderCompleted,
training-progress's ProgressRecorded and TrainingCompleted); the audit log's entry targets the
customer; and the impersonation ends when the admin signs out."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from support.commerce import signed_in_learner
from support.customers import eventually
from support.flows import events_about
from support.training import ADMIN, create_item

from trainyard_common.contracts import OrderCompleted, ProgressRecorded, TrainingCompleted

pytestmark = pytest.mark.e2e

ADMIN_NAME = "e2e-admin"  # tests/e2e/conftest.py's admin
LEARNER = "/api/v1/learner"


def _module_product(admin: httpx.Client) -> tuple[str, str]:
    """A module and a product opening it: (module id, price id)."""
    module = create_item(admin, "/modules")
    body = {
        "name": f"Product {uuid.uuid4().hex[:6]}",
        "training_item": {"type": "module", "id": module["id"]},
        "access_days": 365,
        "prices": [{"amount": "25.00", "currency": "USD"}],
    }
    response = admin.post(f"{ADMIN}/products", json=body)
    assert response.status_code == 201, response.text
    return str(module["id"]), str(response.json()["prices"][0]["price_id"])


def _activity(admin: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    response = admin.get(f"{ADMIN}/customers/{customer_id}/activity-log", params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _named(records: list[Any]) -> set[str | None]:
    return {json.loads(r.value).get("impersonated_by") for r in records}


def test_an_impersonating_admin_is_recorded_everywhere_and_signing_out_ends_the_impersonation(system: Any) -> None:
    with system.admin() as admin:
        module_id, price_id = _module_product(admin)
    customer_id, _ = signed_in_learner(system)

    acting = system.admin()  # the admin session that impersonates, and signs out at the end
    with acting, system.public() as public:
        issued = acting.post(f"{ADMIN}/customers/{customer_id}/impersonation")
        assert issued.status_code == 201, issued.text
        as_learner = {"Authorization": f"Bearer {issued.json()['access_token']}"}

        ordered = public.post(f"{LEARNER}/orders", json={"price_id": price_id, "quantity": 1}, headers=as_learner)
        assert ordered.status_code == 201, ordered.text
        order_id = ordered.json()["id"]

        def completed() -> bool:
            body = {"item_type": "module", "item_id": module_id, "status": "completed"}
            return public.post(f"{LEARNER}/progress", json=body, headers=as_learner).status_code == 200

        assert eventually(completed), "training-progress never learnt of the order's access"

        # The order shows in the customer's activity log under the admin (impersonating).
        with system.admin() as reader:
            placed = eventually(
                lambda: [e for e in _activity(reader, customer_id) if e["details"].get("order_id") == order_id]
            )
            assert [(e["type"], e["actor"], e["impersonated"]) for e in placed] == [
                ("order_placed", f"{ADMIN_NAME} (impersonating)", True)
            ], placed

        # The events name the admin: commerce-access's order, training-progress's progress.
        assert _named(events_about(system, OrderCompleted, customer_id)) == {ADMIN_NAME}
        assert _named(events_about(system, ProgressRecorded, customer_id)) == {ADMIN_NAME}
        assert _named(events_about(system, TrainingCompleted, customer_id)) == {ADMIN_NAME}

        # The admin signs out: the impersonation ends with the admin's token.
        assert public.get(f"{LEARNER}/profile", headers=as_learner).status_code == 200
        assert acting.delete("/api/v1/auth/token").status_code == 204
        ended = public.get(f"{LEARNER}/profile", headers=as_learner)
        assert ended.status_code == 401, ended.text
        refused = public.post(f"{LEARNER}/orders", json={"price_id": price_id, "quantity": 1}, headers=as_learner)
        assert refused.status_code == 401, refused.text

    # The gateway's audit log has the impersonation, targeting the customer.
    with system.admin() as reader:
        audit = reader.get(f"{ADMIN}/audit-log", params={"target": f"customer:{customer_id}", "limit": 50})
        assert audit.status_code == 200, audit.text
        actions = [(e["actor"], e["action"]) for e in audit.json()["items"]]
        assert (ADMIN_NAME, f"POST {ADMIN}/customers/{{id}}/impersonation") in actions, actions
