"""Checkout, admin assignment, import-driven orders, idempotency, bad input, the export part."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from trainyard_common.contracts import AccessGranted, CustomerImportedV2, OrderCompleted
from trainyard_common.testing.sealed_events import imported as imported_row

pytestmark = pytest.mark.integration


async def test_checkout_completes_the_order_grants_access_and_tells_kafka(commerce: Any) -> None:
    product = await commerce.product(access_days=30, amount="49.99")
    learner = uuid.uuid4()
    response = await commerce.buy(learner, product["prices"][0]["price_id"], key="k-1")
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["total"], order["currency"], order["source"]) == ("49.99", "USD", "checkout")
    (granted,) = order["access"]
    today = datetime.now(UTC).date()
    assert (granted["starts_on"], granted["ends_on"]) == (str(today), str(today + timedelta(days=29)))

    (completed,) = await commerce.published(OrderCompleted, learner)
    payload = json.loads(completed.value)
    assert (payload["order_id"], payload["total"], payload["lines"][0]["unit_amount"]) == (
        order["id"],
        "49.99",
        "49.99",
    )
    (access_event,) = await commerce.published(AccessGranted, learner)
    assert json.loads(access_event.value)["access_id"] == granted["id"]


async def test_a_retried_checkout_never_buys_twice(commerce: Any) -> None:
    price_id = (await commerce.product())["prices"][0]["price_id"]
    learner = uuid.uuid4()
    replies = await asyncio.gather(*(commerce.buy(learner, price_id, key="same-key") for _ in range(5)))
    assert sorted(r.status_code for r in replies) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert await commerce.count("orders", "customer_id = :c", c=learner) == 1
    assert await commerce.count("access", "customer_id = :c", c=learner) == 1

    other = await commerce.buy(learner, price_id, quantity=2, key="same-key")
    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert await commerce.count("orders", "customer_id = :c", c=learner) == 1


async def test_admin_assignment_is_a_completed_zero_dollar_order(commerce: Any) -> None:
    product = await commerce.product(amount="120.00")
    customer = uuid.uuid4()
    response = await commerce.http.post(
        f"/v1/customers/{customer}/product-assignments", json={"price_id": product["prices"][0]["price_id"]}
    )
    assert response.status_code == 201, response.text
    assert (response.json()["total"], response.json()["source"]) == ("0.00", "admin_assignment")
    (completed,) = await commerce.published(OrderCompleted, customer)
    assert json.loads(completed.value)["total"] in {"0.00", "0"}
    history = (await commerce.http.get(f"/v1/customers/{customer}/orders")).json()
    assert [o["id"] for o in history["items"]] == [response.json()["id"]]
    assert history["total"] == 1


async def test_orders_and_access_rows_are_read_by_their_ids_whoever_holds_them(commerce: Any) -> None:
    """What the gateway's customer view reads when events name orders or access rows."""
    price_id = (await commerce.product())["prices"][0]["price_id"]
    learner, someone_else = uuid.uuid4(), uuid.uuid4()
    mine = [(await commerce.buy(learner, price_id, key=f"f-{i}")).json() for i in range(3)]
    theirs = (await commerce.buy(someone_else, price_id, key="f-other")).json()
    asked = [mine[0]["id"], theirs["id"], mine[2]["id"], str(uuid.uuid4())]

    found = await commerce.http.get("/v1/orders", params={"order_id": asked})
    assert found.status_code == 200, found.text
    assert [o["id"] for o in found.json()["items"]] == [theirs["id"], mine[2]["id"], mine[0]["id"]]  # newest first
    assert found.json()["total"] == 3
    history = (await commerce.http.get(f"/v1/customers/{learner}/orders")).json()["items"]
    assert found.json()["items"][1:] == [o for o in history if o["id"] in asked], "as the history shows them"

    rows = [mine[1]["access"][0]["id"], theirs["access"][0]["id"]]
    access = await commerce.http.get("/v1/access", params={"access_id": rows})
    assert access.status_code == 200, access.text
    assert [(a["id"], a["customer_id"]) for a in access.json()["items"]] == [
        (rows[1], str(someone_else)),
        (rows[0], str(learner)),
    ]

    for bad in ({"order_id": "nope"}, {}, {"order_id": [asked[0]] * 101}):
        refused = await commerce.http.get("/v1/orders", params=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["code"]


async def test_a_duration_change_after_purchase_leaves_earlier_access_untouched(commerce: Any) -> None:
    product = await commerce.product(access_days=10)
    price_id = product["prices"][0]["price_id"]
    learner = uuid.uuid4()
    first = (await commerce.buy(learner, price_id)).json()["access"][0]
    changed = await commerce.http.patch(f"/v1/products/{product['id']}", json={"access_days": 100})
    assert changed.status_code == 200, changed.text
    second = (await commerce.buy(learner, price_id)).json()["access"][0]

    rows = {a["id"]: a for a in (await commerce.http.get(f"/v1/customers/{learner}/access")).json()["items"]}
    today = datetime.now(UTC).date()
    assert rows[first["id"]]["ends_on"] == str(today + timedelta(days=9))
    assert rows[second["id"]]["ends_on"] == str(today + timedelta(days=99))
    assert len(rows) == 2  # the history keeps both rows for the one product


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bad", "prices": [{"amount": "-1.00", "currency": "USD"}]}, "prices.0.amount"),
        ({"name": "Bad", "prices": [{"amount": "1.001", "currency": "USD"}]}, "prices.0.amount"),
        ({"name": "Bad", "prices": [{"amount": "5", "currency": "usd"}]}, "prices.0.currency"),
        ({"name": "Bad", "prices": []}, "prices"),
        ({"name": "Bad", "access_days": 0, "prices": [{"amount": "5", "currency": "USD"}]}, "access_days"),
    ],
)
async def test_a_bad_product_is_refused_and_nothing_is_written(commerce: Any, body: dict[str, Any], field: str) -> None:
    before = await commerce.count("products")
    response = await commerce.http.post("/v1/products", json=body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert await commerce.count("products") == before


async def test_bad_orders_are_refused_and_nothing_is_written(commerce: Any) -> None:
    price_id = (await commerce.product())["prices"][0]["price_id"]
    learner = uuid.uuid4()
    unknown = await commerce.buy(learner, str(uuid.uuid4()))
    zero = await commerce.buy(learner, price_id, quantity=0)
    negative = await commerce.buy(learner, price_id, quantity=-3)
    not_uuid = await commerce.http.post(f"/v1/learners/{learner}/orders", json={"price_id": "nope"})
    assignment = await commerce.http.post(
        f"/v1/customers/{learner}/product-assignments", json={"price_id": str(uuid.uuid4())}
    )
    for response in (unknown, zero, negative, not_uuid, assignment):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] in {"price_id", "quantity"}
    assert await commerce.count("orders", "customer_id = :c", c=learner) == 0
    assert await commerce.count("outbox", "message_key = :c", c=str(learner)) == 0


def imported(customer: uuid.UUID, price_id: uuid.UUID, row: int, **extra: Any) -> CustomerImportedV2:
    return imported_row(
        customer,
        f"imp-{uuid.uuid4().hex[:6]}@example.com",
        import_id=extra.pop("import_id", uuid.uuid4()),
        row_number=row,
        price_id=price_id,
        imported_at=extra.pop("imported_at", datetime(2025, 3, 22, 10, tzinfo=UTC)),
        **extra,
    )


async def test_an_imported_row_with_a_price_becomes_an_order_once(commerce: Any) -> None:
    product = await commerce.product(access_days=365, amount="49.99")
    customer = uuid.uuid4()
    event = imported(customer, uuid.UUID(product["prices"][0]["price_id"]), 1, cost="10.00", currency="USD")
    await commerce.send(event)
    await commerce.send(event)  # the same row again (a new event id): still one order
    (completed,) = await commerce.published(OrderCompleted, customer)
    payload = json.loads(completed.value)
    assert (payload["source"], payload["total"]) == ("import", "10.00")
    assert payload["idempotency_key"] == f"import:{event.import_id}:1"
    (row,) = (await commerce.http.get(f"/v1/customers/{customer}/access")).json()["items"]
    assert (row["starts_on"], row["ends_on"]) == ("2025-03-22", "2026-03-21")  # dated from the import
    await asyncio.sleep(1)
    assert await commerce.count("orders", "customer_id = :c", c=customer) == 1


async def test_an_imported_row_with_an_unknown_price_is_recorded_not_ordered(commerce: Any) -> None:
    customer = uuid.uuid4()
    event = imported(customer, uuid.uuid4(), 7)

    async def recorded() -> bool:
        return bool(await commerce.count("import_failures", "customer_id = :c", c=customer) == 1)

    await commerce.send(event)
    await commerce.wait(recorded)
    assert await commerce.count("orders", "customer_id = :c", c=customer) == 0
    failures = (await commerce.http.get("/v1/import-failures")).json()["items"]
    assert any(f["customer_id"] == str(customer) and f["row_number"] == 7 for f in failures)


async def test_the_export_part_holds_orders_and_access(commerce: Any) -> None:
    product = await commerce.product()
    learner = uuid.uuid4()
    order = (await commerce.buy(learner, product["prices"][0]["price_id"])).json()
    part = (await commerce.http.get(f"/v1/customers/{learner}/export")).json()
    files = {f["name"]: list(csv.DictReader(io.StringIO(f["content"]))) for f in part["files"]}
    assert set(files) == {"orders.csv", "access.csv"}
    assert [(o["order_id"], o["total"]) for o in files["orders.csv"]] == [(order["id"], "49.99")]
    assert [a["access_id"] for a in files["access.csv"]] == [order["access"][0]["id"]]
    empty = (await commerce.http.get(f"/v1/customers/{uuid.uuid4()}/export")).json()
    assert all(f["content"].count("\n") == 1 for f in empty["files"])
