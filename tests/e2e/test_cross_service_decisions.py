"""Decisions made by the service that owns the data (issue 14): the deletion saga and an import
row's Price ID, through the gateway on real Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.commerce import create_product, order_history, signed_in_learner
from support.customers import eventually

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery"
HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"


def deletion_outcome(admin: httpx.Client, customer_id: str, timeout: float = 30) -> dict[str, Any]:
    def decided() -> dict[str, Any] | None:
        reply = admin.get(f"{ADMIN}/customers/{customer_id}/deletion")
        assert reply.status_code == 200, reply.text
        return reply.json() if reply.json()["state"] != "pending" else None

    outcome = eventually(decided, timeout)
    assert outcome is not None, "the deletion stayed pending"
    return dict(outcome)


def test_a_deletion_right_after_an_assignment_is_refused_and_loses_nothing(system: Any, admin: httpx.Client) -> None:
    """The issue's sequence: assign a product (201), delete at once. customer-account's copy does
    not know of the order yet, so it may accept the request (202); commerce-access refuses it."""
    product = create_product(admin, amount="120.00")
    customer_id, learner = signed_in_learner(system)
    assigned = admin.post(
        f"{ADMIN}/customers/{customer_id}/product-assignments", json={"price_id": product["prices"][0]["price_id"]}
    )
    assert assigned.status_code == 201, assigned.text

    deleted = admin.delete(f"{ADMIN}/customers/{customer_id}")

    assert deleted.status_code in (202, 409), deleted.text
    if deleted.status_code == 409:  # the order's event won the race: refused at once
        assert deleted.json()["error"]["code"] in ("customer_has_orders", "customer_has_access")
    else:
        assert deleted.headers["location"] == f"{ADMIN}/customers/{customer_id}/deletion"
        assert deleted.json()["deletion"]["state"] == "pending"
        outcome = deletion_outcome(admin, customer_id)
        assert (outcome["state"], outcome["reason"]) == ("refused", "has_orders")
        # The page's profile is read again a moment after the decision (customer-account applies it
        # without publishing anything: a dependent section of the gateway's view).
        path = f"{ADMIN}/customers/{customer_id}"
        page = eventually(lambda: (shown := admin.get(path).json())["deletion"]["state"] == "refused" and shown)
        assert page, "the page never showed the refusal"
        assert page["profile"]["data"]["deletion"]["reason"] == "has_orders"
    order_id = assigned.json()["id"]
    assert order_history(system, customer_id, order_id)["order_id"] == order_id
    orders = admin.get(f"{ADMIN}/customers/{customer_id}/orders").json()
    assert [o["id"] for o in orders["items"]] == [order_id]
    access = admin.get(f"{ADMIN}/customers/{customer_id}/access").json()
    assert [a["order_id"] for a in access["items"]] == [order_id]
    with system.public() as public:  # the customer is back (the session the request ended stays ended)
        assert public.get("/api/v1/learner/profile", headers=learner).status_code in (200, 401)
        credentials = {"email": _email(admin, customer_id), "password": PASSWORD}
        again = public.post("/api/v1/learner/sessions", json=credentials)
        assert again.status_code == 201, again.text


def _email(admin: httpx.Client, customer_id: str) -> str:
    return str(admin.get(f"{ADMIN}/customers/{customer_id}").json()["profile"]["data"]["email"])


def test_a_customer_with_nothing_is_deleted_through_the_saga(system: Any, admin: httpx.Client) -> None:
    customer_id, learner = signed_in_learner(system)
    email = _email(admin, customer_id)

    deleted = admin.delete(f"{ADMIN}/customers/{customer_id}")
    again = admin.delete(f"{ADMIN}/customers/{customer_id}")

    assert deleted.status_code == 202, deleted.text
    assert again.status_code in (202, 404)  # still pending, or already gone
    with system.public() as public:
        assert public.get("/api/v1/learner/profile", headers=learner).status_code == 401  # sessions ended
        refused = public.post("/api/v1/learner/sessions", json={"email": email, "password": PASSWORD})
        assert refused.status_code in (401, 403)  # as an inactive account (or gone)
    outcome = deletion_outcome(admin, customer_id)
    assert outcome["state"] == "done"
    assert outcome["decided_at"] is not None
    # the page's view drops the customer on CustomerDeleted, within its second (not with the saga's answer)
    assert eventually(lambda: admin.get(f"{ADMIN}/customers/{customer_id}").status_code == 404, 5)
    certificate = eventually(
        lambda: (c := admin.get(f"{ADMIN}/customers/{customer_id}/erasure").json()).get("complete") and c
    )
    assert certificate
    assert certificate["kind"] == "deleted"


def test_an_unknown_price_id_in_an_import_becomes_a_row_failure(admin: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    tag = uuid.uuid4().hex[:8]
    unknown = uuid.uuid4()
    rows = [f"Ada,Lovelace,ada-{tag}@example.com,,,{price_id},", f"Alan,Turing,alan-{tag}@example.com,,,{unknown},"]
    upload = "\n".join([HEADER, *rows]) + "\n"

    response = admin.post(f"{ADMIN}/customer-imports", files={"file": ("c.csv", upload.encode(), "text/csv")})

    assert response.status_code == 200, response.text
    imported = response.json()
    assert (imported["created"], imported["errors"], imported["orders"]["expected"]) == (2, [], 2)
    import_id = imported["import_id"]

    def settled() -> dict[str, Any] | None:
        reply = admin.get(f"{ADMIN}/customer-imports/{import_id}")
        assert reply.status_code == 200, reply.text
        return reply.json() if reply.json()["settled"] else None

    result = eventually(settled)
    assert result is not None, "the import's Price IDs were never settled"
    assert result["orders"] == {"expected": 2, "ordered": 1, "refused": 1, "pending": 0}
    [failure] = result["errors"]
    assert (failure["row"], failure["field"]) == (2, "price_id")
    assert str(unknown) in failure["reason"]
    assert "imported without this product" in failure["reason"]
    assert result["created"] == 2  # the row's customer stays created
    assert admin.get(f"{ADMIN}/customer-imports/{uuid.uuid4()}").status_code == 404
