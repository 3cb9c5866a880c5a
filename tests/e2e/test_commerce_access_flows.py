"""Products, orders, access and registration codes through the gateway, with the whole system
running: an admin's zero-dollar assignment reaches customer-account's order history through
Kafka; a signed-in learner buys (retries safely), hands out seats and loses one."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import pytest
from support.api import assert_error
from support.commerce import create_product, order_history, signed_in_learner
from support.flows import events_about

from trainyard_common.contracts import AccessRevoked, OrderCompleted

pytestmark = pytest.mark.e2e


def test_a_zero_dollar_assignment_reaches_the_order_history(system: Any, admin: httpx.Client) -> None:
    product = create_product(admin, amount="120.00")
    customer_id, _ = signed_in_learner(system)
    assigned = admin.post(
        f"/api/v1/admin/customers/{customer_id}/product-assignments",
        json={"price_id": product["prices"][0]["price_id"]},
    )
    assert assigned.status_code == 201, assigned.text
    order = assigned.json()
    assert (order["total"], order["source"]) == ("0.00", "admin_assignment")
    assert order["access"][0]["status"] == "active"

    (completed,) = events_about(system, OrderCompleted, customer_id)
    assert json.loads(completed.value)["order_id"] == order["id"]
    history = order_history(system, customer_id, order["id"])
    assert (history["source"], history["currency"]) == ("admin_assignment", "USD")
    assert float(history["total"]) == 0

    orders = admin.get(f"/api/v1/admin/customers/{customer_id}/orders").json()
    assert [o["id"] for o in orders["items"]] == [order["id"]]
    access = admin.get(f"/api/v1/admin/customers/{customer_id}/access").json()
    assert [a["order_id"] for a in access["items"]] == [order["id"]]


def test_a_learner_checkout_is_idempotent_and_an_admin_edits_its_dates(system: Any, admin: httpx.Client) -> None:
    price_id = create_product(admin, access_days=30)["prices"][0]["price_id"]
    customer_id, learner = signed_in_learner(system)
    headers = {**learner, "Idempotency-Key": str(uuid.uuid4())}
    with system.public() as public:
        first = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 1}, headers=headers)
        retry = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 1}, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200), (first.text, retry.text)
    assert retry.json()["id"] == first.json()["id"]
    assert admin.get(f"/api/v1/admin/customers/{customer_id}/orders").json()["total"] == 1

    access_id = first.json()["access"][0]["id"]
    changed = admin.patch(
        f"/api/v1/admin/access/{access_id}", json={"starts_on": "2025-01-01", "ends_on": "2031-01-01"}
    )
    assert changed.status_code == 200, changed.text
    (row,) = admin.get(f"/api/v1/admin/customers/{customer_id}/access").json()["items"]
    assert (row["starts_on"], row["ends_on"]) == ("2025-01-01", "2031-01-01")


def test_seats_are_redeemed_listed_and_removed(system: Any, admin: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    purchaser_id, purchaser = signed_in_learner(system)
    with system.public() as public:
        bought = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 3}, headers=purchaser)
        assert bought.status_code == 201, bought.text
        code = bought.json()["registration_codes"][0]
        seat_holder_id, seat_holder = signed_in_learner(system)
        redeemed = public.post(f"/api/v1/learner/registration-codes/{code}/redeem", headers=seat_holder)
        assert redeemed.status_code == 201, redeemed.text

    users = admin.get(f"/api/v1/admin/customers/{purchaser_id}/registration-code-users").json()["items"]
    assert [(u["code"], u["customer_id"]) for u in users] == [(code, seat_holder_id)]
    removed = admin.delete(f"/api/v1/admin/registration-codes/{code}/redemption")
    assert removed.status_code == 200, removed.text
    (revoked,) = events_about(system, AccessRevoked, seat_holder_id)
    assert json.loads(revoked.value)["reason"] == "registration_code_removed"
    (row,) = admin.get(f"/api/v1/admin/customers/{seat_holder_id}/access").json()["items"]
    assert row["status"] == "revoked"
    assert admin.get(f"/api/v1/admin/customers/{purchaser_id}/registration-code-users").json()["total"] == 0


def test_parallel_redemptions_through_the_gateway_seat_one_learner(system: Any, admin: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    _, purchaser = signed_in_learner(system)
    with system.public() as public:
        bought = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 2}, headers=purchaser)
    code = bought.json()["registration_codes"][0]
    learners = [signed_in_learner(system)[1] for _ in range(10)]

    def redeem(headers: dict[str, str]) -> int:
        with system.public() as public:
            return public.post(f"/api/v1/learner/registration-codes/{code}/redeem", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(redeem, learners))
    assert statuses == [201] + [409] * 9


def test_bad_input_is_refused_and_nothing_is_written(system: Any, admin: httpx.Client) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    customer_id, learner = signed_in_learner(system)
    negative = admin.post(
        "/api/v1/admin/products", json={"name": "Bad", "prices": [{"amount": "-5.00", "currency": "USD"}]}
    )
    assert_error(negative, 422, "validation_failed")
    with system.public() as public:
        unknown_price = public.post("/api/v1/learner/orders", json={"price_id": str(uuid.uuid4())}, headers=learner)
        zero = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 0}, headers=learner)
        unknown_code = public.post("/api/v1/learner/registration-codes/ZZZZ-ZZZZ-ZZZZ/redeem", headers=learner)
        anonymous = public.post("/api/v1/learner/orders", json={"price_id": price_id})
    assert_error(unknown_price, 422, "validation_failed")
    assert_error(zero, 422, "validation_failed")
    assert_error(unknown_code, 404, "not_found")
    assert anonymous.status_code == 401
    assigned = admin.post(
        f"/api/v1/admin/customers/{customer_id}/product-assignments", json={"price_id": str(uuid.uuid4())}
    )
    assert_error(assigned, 422, "validation_failed")
    assert admin.get(f"/api/v1/admin/customers/{customer_id}/orders").json()["total"] == 0
    assert admin.get(f"/api/v1/admin/customers/{customer_id}/access").json()["total"] == 0


def test_a_duration_changed_through_the_gateway_applies_to_later_purchases_only(
    system: Any, admin: httpx.Client
) -> None:
    product = create_product(admin, access_days=30)
    price_id = product["prices"][0]["price_id"]
    early, _ = signed_in_learner(system)
    before = admin.post(f"/api/v1/admin/customers/{early}/product-assignments", json={"price_id": price_id})
    assert before.status_code == 201, before.text

    changed = admin.patch(f"/api/v1/admin/products/{product['id']}", json={"access_days": 365})
    assert changed.status_code == 200, changed.text
    assert admin.get(f"/api/v1/admin/products/{product['id']}").json()["access_days"] == 365

    late, _ = signed_in_learner(system)
    after = admin.post(f"/api/v1/admin/customers/{late}/product-assignments", json={"price_id": price_id})
    assert after.status_code == 201, after.text

    def days_of(customer_id: str) -> int:
        (row,) = admin.get(f"/api/v1/admin/customers/{customer_id}/access").json()["items"]
        return (date.fromisoformat(row["ends_on"]) - date.fromisoformat(row["starts_on"])).days

    assert days_of(late) - days_of(early) == 365 - 30
