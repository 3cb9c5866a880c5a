"""Steps the commerce end-to-end tests take through the gateway: products, learners who sign in,
checkouts, and reading customer-account's order history."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from support.flows import register

PASSWORD = "correct horse battery"


def create_product(admin: httpx.Client, amount: str = "49.99", access_days: int | None = 365) -> dict[str, Any]:
    body = {
        "name": f"Product {uuid.uuid4().hex[:6]}",
        "access_days": access_days,
        "prices": [{"amount": amount, "currency": "USD"}],
    }
    response = admin.post("/api/v1/admin/products", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def signed_in_learner(system: Any) -> tuple[str, dict[str, str]]:
    """A newly registered learner and the Authorization header of their session."""
    email = f"buyer-{uuid.uuid4().hex[:8]}@commerce.example"
    with system.public() as public:
        registered = register(public, email, password=PASSWORD)
        assert registered.status_code == 201, registered.text
        session = public.post("/api/v1/learner/sessions", json={"email": email, "password": PASSWORD})
        assert session.status_code == 201, session.text
    return str(registered.json()["id"]), {"Authorization": f"Bearer {session.json()['access_token']}"}


def order_history(system: Any, customer_id: str, order_id: str, timeout: float = 30) -> dict[str, Any]:
    """The order as customer-account's order history shows it (built from OrderCompleted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = system.customer_account.signed(timeout=10).get(f"/v1/customers/{customer_id}/order-history")
        if reply.status_code == 200:
            found = [o for o in reply.json()["items"] if o["order_id"] == order_id]
            if found:
                return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} never reached customer-account's order history")
