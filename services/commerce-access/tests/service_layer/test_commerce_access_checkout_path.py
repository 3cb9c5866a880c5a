"""The checkout's write path (issue 18, item 3): two statements before COMMIT, the same rules.

``checkout`` takes the customer's deletion lock and reads the price in one statement, then writes
the order, its access or codes and its events in a second one, only when the idempotency key is
new and the customer was not deleted meanwhile. These tests pin the statement count and the
behaviour the restructuring must keep: what is written once, what a retry finds, and that a
deletion approved while the checkout waited for the lock still refuses it. The order history
(which the gateway's customer page reads again after each order) reads a page's codes and access
in one statement each, not two per order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.domain.errors import ConflictingState, InvalidInput
from commerce_access.domain.products import Product
from commerce_access.entrypoints.orders_http import customer_orders
from commerce_access.service_layer.ordering import assign, checkout
from commerce_access.service_layer.products import CreateProduct, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.statements import statements
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_checkout"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_product(uows: Uows, access_days: int | None = 30) -> Product:
    return await create_product(uows(), CreateProduct("Safety 101", None, access_days, [(Decimal("49.99"), "USD")]))


def price_of(product: Product) -> uuid.UUID:
    return product.prices[0].price_id


async def test_a_checkout_is_two_statements_and_writes_order_access_and_events_once(uows: Uows) -> None:
    product = await a_product(uows)
    customer_id = uuid.uuid4()

    with statements() as made:
        placed = await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    assert len(made) == 2, made
    [row] = placed.access
    assert (placed.created, row.order_id, row.customer_id, placed.codes) == (True, placed.order.id, customer_id, [])
    async with uows() as uow:
        assert await uow.orders.by_key(customer_id, "checkout:k-1") == placed.order
        assert await uow.access.of_order(placed.order.id) == [row]
    events = await emitted(uows())
    assert [(e.get("order_id"), e.get("access_id")) for e in events] == [
        (str(placed.order.id), None),
        *[(str(placed.order.id), str(row.id))],
    ]
    [completed] = await emitted(uows(), "OrderCompleted")
    assert (completed["idempotency_key"], completed["total"], completed["source"]) == (
        "checkout:k-1",
        "49.99",
        "checkout",
    )

    again = await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    assert (again.created, again.order, again.access) == (False, placed.order, [row])
    assert len(await emitted(uows())) == 2  # the retry announced nothing


async def test_several_seats_write_their_codes_and_one_event_in_the_same_statement(uows: Uows) -> None:
    product = await a_product(uows)
    purchaser = uuid.uuid4()

    with statements() as made:
        placed = await checkout(uows(), purchaser, price_of(product), 3, None)

    assert len(made) == 2, made
    assert (len(placed.codes), placed.access) == (3, [])
    async with uows() as uow:
        assert sorted(await uow.codes.of_order(placed.order.id)) == placed.codes
        assert await uow.access.of_customer(purchaser, 10, 0) == ([], 0)
    assert [e["order_id"] for e in await emitted(uows())] == [str(placed.order.id)]


async def test_an_assignment_is_two_statements_too(uows: Uows) -> None:
    product = await a_product(uows, access_days=None)
    customer_id = uuid.uuid4()

    with statements() as made:
        placed = await assign(uows(), customer_id, price_of(product))

    assert len(made) == 2, made
    [row] = placed.access
    assert (placed.order.unit_amount, row.ends_on) == (Decimal("0.00"), None)
    assert len(await emitted(uows(), "AccessGranted")) == 1


async def approve_deletion_while(uows: Uows, customer_id: uuid.UUID, buying: Callable[[], Any]) -> BaseException:
    """A deletion decision holds the customer's exclusive lock while ``buying`` starts, then
    approves (the tombstone) and commits; answers what ``buying`` raised."""
    async with uows() as deciding:
        await deciding.orders.lock_for_decision(customer_id)
        task = asyncio.create_task(buying())
        await asyncio.sleep(0.5)
        assert not task.done()  # it waits for the lock
        await deciding.orders.mark_deleted(customer_id, datetime.now(UTC))
        await deciding.commit()
    with pytest.raises((ConflictingState, InvalidInput)) as raised:
        await asyncio.wait_for(task, 10)
    return raised.value


async def test_a_deletion_approved_while_the_checkout_waits_for_the_lock_refuses_it(uows: Uows) -> None:
    product = await a_product(uows)
    customer_id = uuid.uuid4()

    refused = await approve_deletion_while(
        uows, customer_id, lambda: checkout(uows(), customer_id, price_of(product), 1, "k")
    )

    assert isinstance(refused, ConflictingState)
    assert refused.code == "customer_deleted"
    async with uows() as uow:
        assert await uow.orders.of_customer(customer_id, 10, 0) == ([], 0)
        assert await uow.access.of_customer(customer_id, 10, 0) == ([], 0)
    assert await emitted(uows()) == []


async def test_a_deletion_approved_while_waiting_outranks_an_unknown_price(uows: Uows) -> None:
    customer_id = uuid.uuid4()

    refused = await approve_deletion_while(
        uows, customer_id, lambda: checkout(uows(), customer_id, uuid.uuid4(), 1, None)
    )

    assert isinstance(refused, ConflictingState)
    assert refused.code == "customer_deleted"


async def test_the_order_history_is_three_statements_whatever_the_number_of_orders(uows: Uows) -> None:
    """What the gateway's customer page reads after each order: no two lookups per order."""
    product = await a_product(uows)
    customer_id = uuid.uuid4()
    single = await checkout(uows(), customer_id, price_of(product), 1, None)
    seats = await checkout(uows(), customer_id, price_of(product), 2, None)
    assigned = await assign(uows(), customer_id, price_of(product))

    with statements() as made:
        history = await customer_orders(customer_id, uows(), limit=50, offset=0)

    assert len(made) == 3, made  # the page, its codes, its access: a short page is its own total
    by_id = {o.id: o for o in history.items}
    assert (history.total, set(by_id)) == (3, {single.order.id, seats.order.id, assigned.order.id})
    assert by_id[seats.order.id].registration_codes == seats.codes
    assert (by_id[seats.order.id].access, by_id[single.order.id].registration_codes) == ([], [])
    assert [a.id for a in by_id[single.order.id].access] == [a.id for a in single.access]
    assert [a.id for a in by_id[assigned.order.id].access] == [a.id for a in assigned.access]
    with statements() as made:
        first_of_three = await customer_orders(customer_id, uows(), limit=1, offset=0)
    assert (first_of_three.total, len(first_of_three.items), len(made)) == (3, 1, 4), "a full page is counted"
