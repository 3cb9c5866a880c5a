"""Buying and redeeming right after registering (issue 14): commerce-access's customer projection
(fed by UserRegistered) may not have the customer yet. Neither checkout nor redemption consults
it — the learner is vouched for by customer-account's token check in the gateway — and the
projection row, once it arrives, only names the customer: it undoes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.service_layer.codes import redeem
from commerce_access.service_layer.ordering import checkout
from commerce_access.service_layer.products import CreateProduct, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.projections import customers
from trainyard_common.testing.sealed_events import known_keys, registered
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_early"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_price(uows: Uows) -> uuid.UUID:
    product = await create_product(uows(), CreateProduct("Safety 101", None, 30, [(Decimal("49.99"), "USD")]))
    return product.prices[0].price_id


async def registration_arrives(uows: Uows, customer_id: uuid.UUID) -> None:
    """UserRegistered.v2 reaches commerce-access, as its batch handler receives it."""
    event = registered(customer_id, f"ada-{customer_id.hex[:6]}@nowhere.example")
    async with uows() as uow:
        await customers.SealedCustomerEvents(known_keys()).on_users_registered(
            [Delivered(event=event, event_id=str(uuid.uuid4()), correlation_id="test")], uow
        )
        await uow.commit()


async def known_here(uows: Uows, customer_id: uuid.UUID) -> bool:
    async with uows() as uow:
        return await uow.customers.get(customer_id) is not None


async def test_a_customer_not_in_the_projection_yet_checks_out_and_keeps_the_order(uows: Uows) -> None:
    price_id = await a_price(uows)
    newcomer = uuid.uuid4()
    assert not await known_here(uows, newcomer)

    placed = await checkout(uows(), newcomer, price_id, 1, "first-purchase")

    assert placed.created
    assert [a.customer_id for a in placed.access] == [newcomer]
    await registration_arrives(uows, newcomer)
    retried = await checkout(uows(), newcomer, price_id, 1, "first-purchase")  # the key still finds it
    assert (retried.created, retried.order.id) == (False, placed.order.id)
    async with uows() as uow:
        orders, total = await uow.orders.of_customer(newcomer, 50, 0)
        access, _ = await uow.access.of_customer(newcomer, 50, 0)
    assert (total, [o.id for o in orders]) == (1, [placed.order.id])
    assert [a.id for a in access] == [placed.access[0].id]
    assert [e["customer_id"] for e in await emitted(uows(), "OrderCompleted")] == [str(newcomer)]


async def test_a_customer_not_in_the_projection_yet_redeems_a_code_and_is_named_once_known(uows: Uows) -> None:
    price_id = await a_price(uows)
    purchaser, newcomer = uuid.uuid4(), uuid.uuid4()
    [code, _] = (await checkout(uows(), purchaser, price_id, 2, None)).codes

    redeemed = await redeem(uows(), code, newcomer)

    assert redeemed.created
    async with uows() as uow:
        [before] = await uow.codes.users(purchaser)
    assert (before["customer_id"], before["email"]) == (newcomer, None)  # held, not named yet

    await registration_arrives(uows, newcomer)

    async with uows() as uow:
        [after] = await uow.codes.users(purchaser)
        access = await uow.access.get(redeemed.access.id)
    assert (after["customer_id"], after["first_name"], after["access_id"]) == (newcomer, "Ada", redeemed.access.id)
    assert access is not None
    assert access.revoked_at is None
    again = await redeem(uows(), code, newcomer)  # the holder still holds it
    assert (again.created, again.access.id) == (False, redeemed.access.id)
