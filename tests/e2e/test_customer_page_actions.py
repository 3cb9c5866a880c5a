"""The customer page's actions (issue 17, items 4 and 5) through the gateway on real Kafka and
PostgreSQL: whether the Delete User button shows, and putting the customer and the users of their
registration codes in a group."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.commerce import create_product, signed_in_learner
from support.customers import eventually

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"


def test_the_page_says_a_customer_with_access_may_not_be_deleted(system: Any, admin: httpx.Client) -> None:
    product = create_product(admin)
    customer_id, _ = signed_in_learner(system)
    page = admin.get(f"{ADMIN}/customers/{customer_id}").json()
    assert (page["deletable"], page["not_deletable_reasons"]) == (True, [])

    assigned = admin.post(
        f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": product["prices"][0]["price_id"]}
    )
    assert assigned.status_code == 201, assigned.text
    # At once: the page reads commerce-access's orders and access again after the admin's write.
    page = admin.get(f"{ADMIN}/customers/{customer_id}").json()
    assert (page["deletable"], sorted(page["not_deletable_reasons"])) == (False, ["has_access", "has_orders"])

    def blocked() -> dict[str, Any] | None:
        shown = admin.get(f"{ADMIN}/customers/{customer_id}").json()
        return shown if shown["profile"]["data"]["deletable"] is False else None

    page = eventually(blocked)
    assert page is not None, "customer-account never heard of the order and the access"
    assert sorted(page["not_deletable_reasons"]) == ["has_access", "has_orders"]
    assert page["profile"]["data"]["deletable"] is False


def test_the_customer_and_the_code_users_join_a_group(system: Any, admin: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    purchaser_id, purchaser = signed_in_learner(system)
    holders = []
    with system.public() as public:
        bought = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 3}, headers=purchaser)
        assert bought.status_code == 201, bought.text
        for code in bought.json()["registration_codes"][:2]:
            holder_id, holder = signed_in_learner(system)
            redeemed = public.post(f"/api/v1/learner/registration-codes/{code}/redeem", headers=holder)
            assert redeemed.status_code == 201, redeemed.text
            holders.append(holder_id)
    group = admin.post(f"{ADMIN}/groups", json={"name": f"Cohort {uuid.uuid4().hex[:8]}"})
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]

    grouped = admin.post(f"{ADMIN}/customers/{purchaser_id}/registration-code-users/group", json={"group_id": group_id})

    assert grouped.status_code == 200, grouped.text
    assert sorted(grouped.json()["joined"]) == sorted([purchaser_id, *holders])
    for member in [purchaser_id, *holders]:
        groups = admin.get(f"{ADMIN}/customers/{member}").json()["profile"]["data"]["groups"]
        assert group_id in [g["id"] for g in groups]
    members = admin.get(f"{ADMIN}/customers", params={"group_id": group_id}).json()
    assert members["total"] == 3
    again = admin.post(f"{ADMIN}/customers/{purchaser_id}/registration-code-users/group", json={"group_id": group_id})
    assert (again.json()["joined"], len(again.json()["already_members"])) == ([], 3)
    unknown = admin.post(f"{ADMIN}/customers/{uuid.uuid4()}/registration-code-users/group", json={"group_id": group_id})
    assert unknown.status_code == 404, unknown.text
