"""The checkout's write path (issue 18, item 3): one round trip, the same rules.

``checkout`` builds the order from the price as this process last read it and sends one
statement that takes the customer's deletion lock and writes the order, its access or codes and
its events (autocommit: a transaction of its own, no BEGIN or COMMIT). The statement writes only
when the price and product are still as read, the idempotency key is new and the customer was
not deleted meanwhile. These tests pin
the round trip and the behaviour the restructuring must keep: what is written once, what a retry
finds, that a product changed since it was read is read again, that a deletion approved while
the checkout waited for the lock still refuses it, and that the connection goes back to the pool
transactional. An assignment keeps two statements in its unit of work. The order history (which
the gateway's customer page reads again after each order) reads a page's codes and access in one
statement each, not two per order.
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
from commerce_access.service_layer.products import ChangeProduct, CreateProduct, change_product, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.statements import ALONE, statements
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


async def a_product_read(uows: Uows, access_days: int | None = 30) -> Product:
    """A product this process has sold once, so a checkout at its price need not read it."""
    product = await a_product(uows, access_days)
    await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)
    return product


def in_one_round_trip(made: list[str]) -> bool:
    """The deletion lock and the write in one statement, in autocommit (no BEGIN or COMMIT of its own)."""
    return len(made) == 1 and made[0].startswith(ALONE) and "deleted_under_lock" in made[0]


async def test_a_checkout_is_one_round_trip_and_writes_order_access_and_events_once(uows: Uows) -> None:
    product = await a_product_read(uows)
    customer_id = uuid.uuid4()

    with statements() as made:
        placed = await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    assert in_one_round_trip(made), made
    [row] = placed.access
    assert (placed.created, row.order_id, row.customer_id, placed.codes) == (True, placed.order.id, customer_id, [])
    async with uows() as uow:
        assert await uow.orders.by_key(customer_id, "checkout:k-1") == placed.order
        assert await uow.access.of_order(placed.order.id) == [row]
    events = [e for e in await emitted(uows()) if e["customer_id"] == str(customer_id)]
    assert [(e.get("order_id"), e.get("access_id")) for e in events] == [
        (str(placed.order.id), None),
        *[(str(placed.order.id), str(row.id))],
    ]
    [completed] = [e for e in await emitted(uows(), "OrderCompleted") if e["customer_id"] == str(customer_id)]
    assert (completed["idempotency_key"], completed["total"], completed["source"]) == (
        "checkout:k-1",
        "49.99",
        "checkout",
    )

    again = await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    assert (again.created, again.order, again.access) == (False, placed.order, [row])
    assert len(await emitted(uows())) == 4  # two of the first checkout, two of this one; the retry none


async def test_several_seats_write_their_codes_and_one_event_in_the_same_statement(uows: Uows) -> None:
    product = await a_product_read(uows)
    purchaser = uuid.uuid4()

    with statements() as made:
        placed = await checkout(uows(), purchaser, price_of(product), 3, None)

    assert in_one_round_trip(made), made
    assert (len(placed.codes), placed.access) == (3, [])
    async with uows() as uow:
        assert sorted(await uow.codes.of_order(placed.order.id)) == placed.codes
        assert await uow.access.of_customer(purchaser, 10, 0) == ([], 0)
    assert [e["order_id"] for e in await emitted(uows()) if e["customer_id"] == str(purchaser)] == [
        str(placed.order.id)
    ]


async def test_a_product_changed_since_it_was_read_is_read_again_before_anything_is_written(uows: Uows) -> None:
    product = await a_product_read(uows, access_days=30)
    renamed = ChangeProduct(product.id, "Safety 102", 90, access_days_given=True)
    await change_product(uows(), renamed)
    customer_id = uuid.uuid4()

    with statements() as made:
        placed = await checkout(uows(), customer_id, price_of(product), 1, None)

    assert (placed.order.product_name, placed.order.access_days) == ("Safety 102", 90)
    [row] = placed.access
    assert (row.ends_on - row.starts_on).days == 90 - 1  # the new duration, its first day included
    assert in_one_round_trip(made[:1]), made  # tried with the copy: written nothing, committed nothing
    assert in_one_round_trip(made[-1:]), made  # then with the price read again
    async with uows() as uow:
        assert (await uow.orders.of_customer(customer_id, 10, 0))[1] == 1


async def test_a_first_checkout_at_a_price_reads_it_once(uows: Uows) -> None:
    product = await a_product(uows)

    with statements() as made:
        await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)

    assert len(made) == 2, made
    assert not made[0].startswith(ALONE)
    assert in_one_round_trip(made[1:]), made


async def test_the_connection_goes_back_to_the_pool_in_transactions(uows: Uows) -> None:
    """Its autocommit is switched back: a later unit of work that does not commit leaves nothing."""
    product = await a_product_read(uows)
    await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)
    kept_out = Product.create("Never committed", None, None, [(Decimal("1.00"), "USD")], datetime.now(UTC))

    async with uows() as uow:
        await uow.products.add(kept_out)  # and no commit

    async with uows() as uow:
        assert await uow.products.get(kept_out.id) is None


async def test_an_assignment_is_two_statements_in_its_transaction(uows: Uows) -> None:
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
