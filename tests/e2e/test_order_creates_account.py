"""Issue 17, item 1 through the gateway: `POST /api/v1/learner/orders` without a session, with
`customer: {first_name, last_name, email, password}`, creates the account and the order together
and answers a session with the order; an existing e-mail is 409 (sign in) and no order; an unknown
price is refused before any account exists; `customer` with a session is 422; neither is 401."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.commerce import PASSWORD, create_product, signed_in_learner
from support.flows import register

pytestmark = pytest.mark.e2e

ORDERS = "/api/v1/learner/orders"


def _customer(email: str) -> dict[str, str]:
    return {"first_name": "Olive", "last_name": "Order", "email": email, "password": PASSWORD}


def _customers_named(admin: httpx.Client, email: str) -> list[dict[str, Any]]:
    found = admin.get("/api/v1/admin/customers", params={"search": email})
    assert found.status_code == 200, found.text
    return [c for c in found.json()["items"] if c["email"] == email]


def test_an_anonymous_order_creates_the_account_and_answers_a_session(
    admin: httpx.Client, public: httpx.Client
) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    email = f"buyer-new-{uuid.uuid4().hex[:8]}@example.com"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    placed = public.post(ORDERS, json={"price_id": price_id, "quantity": 1, "customer": _customer(email)}, headers=key)

    assert placed.status_code == 201, placed.text
    body = placed.json()
    customer_id = body["customer_id"]
    assert body["token_type"] == "bearer"
    assert body["order"]["customer_id"] == customer_id
    session = {"Authorization": f"Bearer {body['access_token']}"}
    profile = public.get("/api/v1/learner/profile", headers=session)
    assert (profile.status_code, profile.json()["email"]) == (200, email), profile.text

    orders = admin.get(f"/api/v1/admin/customers/{customer_id}/orders").json()
    assert [o["id"] for o in orders["items"]] == [body["order"]["id"]]
    assert [c["id"] for c in _customers_named(admin, email)] == [customer_id]

    retry = public.post(ORDERS, json={"price_id": price_id, "quantity": 1}, headers={**session, **key})
    assert (retry.status_code, retry.json()["id"]) == (200, body["order"]["id"]), "the same order, once"


def test_an_existing_email_is_409_and_places_no_order(admin: httpx.Client, public: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    email = f"buyer-taken-{uuid.uuid4().hex[:8]}@example.com"
    registered = register(public, email, password=PASSWORD)
    assert registered.status_code == 201, registered.text
    customer_id = registered.json()["id"]

    taken = public.post(ORDERS, json={"price_id": price_id, "quantity": 1, "customer": _customer(email)})

    assert taken.status_code == 409, taken.text
    assert taken.json()["error"]["code"] == "email_taken"
    assert "sign in" in taken.json()["error"]["message"]
    assert admin.get(f"/api/v1/admin/customers/{customer_id}/orders").json()["total"] == 0


def test_an_unknown_price_creates_no_customer(admin: httpx.Client, public: httpx.Client) -> None:
    email = f"buyer-none-{uuid.uuid4().hex[:8]}@example.com"

    refused = public.post(ORDERS, json={"price_id": str(uuid.uuid4()), "quantity": 1, "customer": _customer(email)})
    bad_quantity = public.post(
        ORDERS, json={"price_id": str(uuid.uuid4()), "quantity": 0, "customer": _customer(email)}
    )

    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "unknown_price"), refused.text
    assert bad_quantity.status_code == 422, bad_quantity.text
    assert _customers_named(admin, email) == []


def test_customer_with_a_session_is_422_and_neither_is_401(
    system: Any, admin: httpx.Client, public: httpx.Client
) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    _, session = signed_in_learner(system)
    email = f"buyer-both-{uuid.uuid4().hex[:8]}@example.com"

    both = public.post(
        ORDERS, json={"price_id": price_id, "quantity": 1, "customer": _customer(email)}, headers=session
    )
    neither = public.post(ORDERS, json={"price_id": price_id, "quantity": 1})

    assert (both.status_code, both.json()["error"]["code"]) == (422, "customer_with_session"), both.text
    assert neither.status_code == 401, neither.text
    assert _customers_named(admin, email) == []
