"""Access rows: an admin's date change, the expiry announcement (once, and again after a move),
and the customer lifecycle (erased: orders kept; deleted: orders and access gone)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
)
from trainyard_common.testing.sealed_events import registered

pytestmark = pytest.mark.integration


async def bought(commerce: Any, customer: uuid.UUID) -> dict[str, Any]:
    price_id = (await commerce.product(access_days=30))["prices"][0]["price_id"]
    response = await commerce.buy(customer, price_id)
    assert response.status_code == 201, response.text
    return dict(response.json()["access"][0])


async def test_an_admin_changes_the_dates_of_an_access_row(commerce: Any) -> None:
    customer = uuid.uuid4()
    row = await bought(commerce, customer)
    changed = await commerce.http.patch(
        f"/v1/access/{row['id']}", json={"starts_on": "2025-01-01", "ends_on": "2030-12-31"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["starts_on"], changed.json()["ends_on"]) == ("2025-01-01", "2030-12-31")
    (event,) = await commerce.published(AccessChanged, customer)
    payload = json.loads(event.value)
    assert (payload["previous_starts_on"], payload["previous_ends_on"]) == (row["starts_on"], row["ends_on"])
    assert payload["ends_on"] == "2030-12-31"

    backwards = await commerce.http.patch(
        f"/v1/access/{row['id']}", json={"starts_on": "2025-02-01", "ends_on": "2025-01-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["details"][0]["field"] == "ends_on"
    unknown = await commerce.http.patch(f"/v1/access/{uuid.uuid4()}", json={"starts_on": "2025-01-01", "ends_on": None})
    assert unknown.status_code == 404
    rows = (await commerce.http.get(f"/v1/customers/{customer}/access")).json()["items"]
    assert [(r["starts_on"], r["ends_on"]) for r in rows] == [("2025-01-01", "2030-12-31")]


async def test_an_ended_access_is_announced_once_and_again_after_its_end_moves(commerce: Any) -> None:
    customer = uuid.uuid4()
    row = await bought(commerce, customer)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    body = {"starts_on": str(yesterday - timedelta(days=10)), "ends_on": str(yesterday)}
    assert (await commerce.http.patch(f"/v1/access/{row['id']}", json=body)).status_code == 200
    (expired,) = await commerce.published(AccessExpired, customer)
    assert json.loads(expired.value)["ends_on"] == str(yesterday)
    status = (await commerce.http.get(f"/v1/customers/{customer}/access")).json()["items"][0]["status"]
    assert status == "expired"

    earlier = yesterday - timedelta(days=2)
    body = {"starts_on": str(yesterday - timedelta(days=10)), "ends_on": str(earlier)}
    assert (await commerce.http.patch(f"/v1/access/{row['id']}", json=body)).status_code == 200
    records = await commerce.published(AccessExpired, customer, at_least=2)
    assert [json.loads(r.value)["ends_on"] for r in records] == [str(yesterday), str(earlier)]

    async def relayed() -> bool:  # the relay deletes its outbox rows just after Kafka acknowledged them
        return await commerce.count("outbox", "topic = 'AccessExpired' AND message_key = :c", c=str(customer)) == 0

    await commerce.wait(relayed, timeout=10)
    # The sweep runs several times a second here: still exactly two announcements.
    with pytest.raises(TimeoutError):
        await commerce.published(AccessExpired, customer, at_least=3, timeout=2)


async def test_an_erased_customer_keeps_orders_but_not_their_name(commerce: Any) -> None:
    customer = uuid.uuid4()
    await commerce.send(
        registered(customer, f"ada-{customer.hex[:6]}@example.com", registered_at=datetime(2025, 3, 1, tzinfo=UTC))
    )

    async def known() -> bool:
        return bool(await commerce.count("customers", "customer_id = :c", c=customer))

    await commerce.wait(known)
    await bought(commerce, customer)
    request_id = await commerce.send(CustomerErased(customer_id=customer, erased_at=datetime.now(UTC)))
    (receipt,) = await commerce.published(CustomerErasureCompleted, customer)
    assert json.loads(receipt.value)["request_event_id"] == request_id
    assert await commerce.count("customers", "customer_id = :c", c=customer) == 0
    assert await commerce.count("orders", "customer_id = :c", c=customer) == 1
    assert await commerce.count("access", "customer_id = :c", c=customer) == 1


async def test_a_deletion_is_decided_by_commerce_access_and_only_an_approved_one_deletes(commerce: Any) -> None:
    buyer, idle = uuid.uuid4(), uuid.uuid4()
    row = await bought(commerce, buyer)
    asked = datetime.now(UTC)
    for customer in (buyer, idle):
        await commerce.send(CustomerDeletionRequested(customer_id=customer, requested_at=asked))
    (refused,) = await commerce.published(CustomerDeletionDecided, buyer)
    (approved,) = await commerce.published(CustomerDeletionDecided, idle)
    assert (json.loads(refused.value)["decision"], json.loads(refused.value)["reason"]) == ("refused", "has_orders")
    assert json.loads(approved.value)["decision"] == "approved"
    price_id = (await commerce.product())["prices"][0]["price_id"]
    too_late = await commerce.buy(idle, price_id)
    assert (too_late.status_code, too_late.json()["error"]["code"]) == (409, "customer_deleted")

    for customer in (buyer, idle):  # only the approved deletion deletes (and answers)
        await commerce.send(CustomerDeleted(customer_id=customer, deleted_at=datetime.now(UTC)))
    (receipt,) = await commerce.published(CustomerErasureCompleted, idle)
    assert json.loads(receipt.value)["request_kind"] == "deleted"
    await asyncio.sleep(1)
    assert await commerce.count("orders", "customer_id = :c", c=buyer) == 1
    assert await commerce.count("access", "id = :a", a=uuid.UUID(row["id"])) == 1
