"""Several events of one customer in one partition batch end as they did applied one by one:
clients (assignments in order; a removal from a client already left changes nothing), access
(a change older than the stored one is ignored), orders (confirmed once each)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from support.customers import Accounts

from trainyard_common.contracts import (
    AccessChanged,
    AccessGranted,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
    OrderLine,
)
from trainyard_common.testing.in_process import wait_for
from trainyard_common.vocabulary import AssignmentReason, OrderSource, RemovalReason

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def assigned(customer: dict[str, Any], client_id: uuid.UUID) -> LearnerAssignedToClient:
    return LearnerAssignedToClient(
        customer_id=customer["id"],
        client_id=client_id,
        client_name="Client",
        reason=AssignmentReason.DOMAIN,
        assigned_at=datetime.now(UTC),
    )


def removed(customer: dict[str, Any], client_id: uuid.UUID) -> LearnerRemovedFromClient:
    return LearnerRemovedFromClient(
        customer_id=customer["id"], client_id=client_id, reason=RemovalReason.MANUAL, removed_at=datetime.now(UTC)
    )


async def client_of(accounts: Accounts, customer: dict[str, Any]) -> uuid.UUID | None:
    client: uuid.UUID | None = await accounts.scalar(
        "SELECT client_id FROM customers WHERE id = :id", id=customer["id"]
    )
    return client


async def test_client_events_in_one_batch_end_as_applied_in_order(accounts: Accounts) -> None:
    one, two, three = await accounts.create(), await accounts.create(), await accounts.create()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    ids = await accounts.send_together(
        assigned(one, a), assigned(two, b), assigned(one, b), assigned(three, b), assigned(one, c)
    )
    await wait_for(lambda: accounts.handled(ids))
    assert [await client_of(accounts, x) for x in (one, two, three)] == [c, b, b]

    ids = await accounts.send_together(
        removed(one, a), removed(two, b), removed(one, c), removed(three, a), removed(two, a), removed(three, c)
    )
    await wait_for(lambda: accounts.handled(ids))
    assert [await client_of(accounts, x) for x in (one, two, three)] == [None, None, b], (
        "three was never in a nor c: it stays in b"
    )


def access_change(facts: dict[str, Any], ends_on: date, at: datetime) -> AccessChanged:
    return AccessChanged(
        **facts, ends_on=ends_on, previous_starts_on=facts["starts_on"], previous_ends_on=None, changed_at=at
    )


async def test_an_access_change_older_than_the_stored_one_is_ignored_within_a_batch(accounts: Accounts) -> None:
    customer = await accounts.create()
    facts = {
        "access_id": uuid.uuid4(),
        "customer_id": uuid.UUID(customer["id"]),
        "product_id": uuid.uuid4(),
        "order_id": uuid.uuid4(),
        "starts_on": T0.date() - timedelta(days=30),
    }
    ids = [await accounts.send(AccessGranted(**facts, granted_at=T0))]
    future, past = T0.date() + timedelta(days=30), T0.date() - timedelta(days=1)
    ids += await accounts.send_together(
        access_change(facts, future, T0 + timedelta(minutes=1)),  # counts again
        access_change(facts, past, T0 + timedelta(minutes=3)),  # ended: the latest change
        access_change(facts, future, T0 + timedelta(minutes=2)),  # older than the one before: ignored
    )
    await wait_for(lambda: accounts.handled(ids))

    rows = await accounts.rows(
        "SELECT active, changed_at FROM customer_access WHERE access_id = :id", id=facts["access_id"]
    )
    assert rows == [{"active": False, "changed_at": T0 + timedelta(minutes=3)}]


def order(customer: dict[str, Any], total: str) -> OrderCompleted:
    line = OrderLine(
        product_id=uuid.uuid4(),
        price_id=uuid.uuid4(),
        product_name=f"Course {total}",
        quantity=1,
        unit_amount=total,
        currency="USD",
    )
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=customer["id"],
        lines=[line],
        total=total,
        currency="USD",
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=datetime.now(UTC),
    )


async def test_an_order_twice_in_one_batch_is_kept_and_confirmed_once(accounts: Accounts) -> None:
    customer, other = await accounts.create(), await accounts.create()
    first, second = order(customer, "10.00"), order(customer, "20.00")
    unknown_buyer = order({"id": str(uuid.uuid4())}, "30.00")
    ids = await accounts.send_together(first, unknown_buyer, first, second, order(other, "40.00"))
    await wait_for(lambda: accounts.handled(ids))

    history = await accounts.rows(
        "SELECT total FROM order_history WHERE customer_id = :id ORDER BY total", id=customer["id"]
    )
    assert [str(r["total"]) for r in history] == ["10.00", "20.00"]
    mail = await asyncio.to_thread(accounts.mailbox.wait_for, customer["email"], 2, 30)
    await asyncio.sleep(1)  # a second confirmation of the first order would have come by now
    assert len(accounts.mailbox.to(customer["email"])) == 2
    assert sorted("Total: 10.00 USD" in m.body for m in mail) == [False, True]
    assert await asyncio.to_thread(accounts.mailbox.wait_for, other["email"], 1, 30)
