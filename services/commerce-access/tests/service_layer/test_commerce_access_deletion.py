"""The deletion saga's decision and an import row's settlement, on a throwaway database (no Kafka).

commerce-access owns orders and access: it refuses a deletion when it knows of any (also one
created while the request travelled), and after approving one it refuses every new order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.domain.errors import ConflictingState
from commerce_access.domain.orders import Source, place_order
from commerce_access.domain.products import Product
from commerce_access.service_layer import erasure
from commerce_access.service_layer.codes import redeem
from commerce_access.service_layer.deletion import decide_deletion
from commerce_access.service_layer.ordering import ImportRow, assign, checkout, import_order
from commerce_access.service_layer.products import CreateProduct, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work
from trainyard_common.vocabulary import DeletionDecision

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_del"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_product(uows: Uows) -> Product:
    return await create_product(uows(), CreateProduct("Safety 101", None, 30, [(Decimal("49.99"), "USD")]))


def price_of(product: Product) -> uuid.UUID:
    return product.prices[0].price_id


async def in_handler(uows: Uows, work: Callable[[CommerceUnitOfWork], Awaitable[object]]) -> str:
    """Run ``work`` as an event handler does (its event id on the unit of work); returns that id."""
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await work(uow)
        await uow.commit()
    return uow.event_id


async def decide(uows: Uows, customer_id: uuid.UUID) -> dict[str, object]:
    request_id = await in_handler(uows, lambda uow: decide_deletion(uow, customer_id))
    [decided] = [d for d in await emitted(uows(), "CustomerDeletionDecided") if d["request_event_id"] == request_id]
    return decided


async def test_a_customer_with_nothing_is_approved_and_may_buy_nothing_after(uows: Uows) -> None:
    product = await a_product(uows)
    customer_id = uuid.uuid4()

    decided = await decide(uows, customer_id)

    assert (decided["decision"], decided["reason"]) == ("approved", None)
    with pytest.raises(ConflictingState) as checkout_refused:
        await checkout(uows(), customer_id, price_of(product), 1, None)
    with pytest.raises(ConflictingState) as assignment_refused:
        await assign(uows(), customer_id, price_of(product))
    [code, _] = (await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)).codes
    with pytest.raises(ConflictingState) as redemption_refused:
        await redeem(uows(), code, customer_id)
    assert {checkout_refused.value.code, assignment_refused.value.code, redemption_refused.value.code} == {
        "customer_deleted"
    }
    row = ImportRow(uuid.uuid4(), 2, customer_id, price_of(product), None, None, datetime.now(UTC))
    await in_handler(uows, lambda uow: import_order(uow, row))
    [settled] = await emitted(uows(), "ImportRowOrderSettled")
    assert (settled["outcome"], settled["reason"], settled["order_id"]) == ("refused", "customer_deleted", None)
    async with uows() as uow:
        _, orders = await uow.orders.of_customer(customer_id, 10, 0)
    assert orders == 0


async def test_an_assignment_made_before_the_request_arrives_refuses_the_deletion(uows: Uows) -> None:
    """The issue's sequence: assign, then at once delete — customer-account does not know of the
    order yet, commerce-access does."""
    product = await a_product(uows)
    customer_id = uuid.uuid4()
    await assign(uows(), customer_id, price_of(product))

    decided = await decide(uows, customer_id)

    assert (decided["decision"], decided["reason"]) == ("refused", "has_orders")
    await in_handler(uows, lambda uow: erasure.delete_customer(uow, customer_id))  # a stray CustomerDeleted
    async with uows() as uow:
        _, orders = await uow.orders.of_customer(customer_id, 10, 0)
        _, access = await uow.access.of_customer(customer_id, 10, 0)
    assert (orders, access) == (1, 1)
    await checkout(uows(), customer_id, price_of(product), 1, None)  # refused deletion: may still buy


async def test_a_redeemed_code_refuses_the_deletion_for_access(uows: Uows) -> None:
    product = await a_product(uows)
    customer_id = uuid.uuid4()
    [code, _] = (await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)).codes
    await redeem(uows(), code, customer_id)

    decided = await decide(uows, customer_id)

    assert (decided["decision"], decided["reason"]) == ("refused", "has_access")


async def test_an_order_in_flight_makes_the_decision_wait_and_refuse(uows: Uows) -> None:
    """An order whose transaction is open when the request is handled: the decision waits for it
    to commit (the customer's deletion lock), then sees it."""
    product = await a_product(uows)
    customer_id = uuid.uuid4()
    async with uows() as buying:
        assert not await buying.orders.is_deleted(customer_id)  # what every order path asks first
        deciding = asyncio.create_task(decide(uows, customer_id))
        await asyncio.sleep(0.5)
        assert not deciding.done()
        found = await buying.products.price(price_of(product))
        assert found is not None
        order = place_order(
            customer_id, *found, source=Source.CHECKOUT, idempotency_key="checkout:k", at=datetime.now(UTC)
        )
        assert await buying.orders.add_unless_known(order)
        await buying.commit()

    decided = await asyncio.wait_for(deciding, 10)
    assert (decided["decision"], decided["reason"]) == ("refused", "has_orders")


async def test_an_approved_deletion_then_customer_deleted_sends_the_receipt(uows: Uows) -> None:
    customer_id = uuid.uuid4()
    decided = await decide(uows, customer_id)
    assert decided["decision"] == DeletionDecision.APPROVED.value

    await in_handler(uows, lambda uow: erasure.delete_customer(uow, customer_id))

    [receipt] = await emitted(uows(), "CustomerErasureCompleted")
    assert (receipt["customer_id"], receipt["request_kind"]) == (str(customer_id), "deleted")


async def test_every_import_row_with_a_price_id_is_answered(uows: Uows) -> None:
    product = await a_product(uows)
    import_id, customer_id, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    known_row = ImportRow(import_id, 1, customer_id, price_of(product), None, None, datetime.now(UTC))
    unknown_row = ImportRow(import_id, 2, customer_id, unknown, None, None, datetime.now(UTC))

    await in_handler(uows, lambda uow: import_order(uow, known_row))
    await in_handler(uows, lambda uow: import_order(uow, unknown_row))
    await in_handler(uows, lambda uow: import_order(uow, known_row))  # the same row delivered again

    first, second, again = await emitted(uows(), "ImportRowOrderSettled")
    async with uows() as uow:
        [order], _ = await uow.orders.of_customer(customer_id, 10, 0)
    assert (first["row_number"], first["outcome"], first["order_id"]) == (1, "ordered", str(order.id))
    assert (second["row_number"], second["outcome"], second["reason"]) == (2, "refused", "unknown_price")
    assert (second["price_id"], second["order_id"]) == (str(unknown), None)
    assert (again["outcome"], again["order_id"]) == ("ordered", str(order.id))  # the earlier delivery's order
