"""Issue 15, item 9 in commerce-access: an order or a code redemption an admin makes while
impersonating the customer keeps that admin, in the data and in the events."""

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
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]
ADMIN = "root@trainyard"


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_imp"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_price(uows: Uows) -> uuid.UUID:
    product = await create_product(uows(), CreateProduct("Safety 101", None, 30, [(Decimal("49.99"), "USD")]))
    return product.prices[0].price_id


async def test_an_order_placed_while_impersonating_keeps_the_admin(uows: Uows) -> None:
    price_id = await a_price(uows)
    by_admin = await checkout(uows(), uuid.uuid4(), price_id, 1, None, impersonated_by=ADMIN)
    by_herself = await checkout(uows(), uuid.uuid4(), price_id, 1, None)

    async with uows() as uow:
        stored = [await uow.orders.get(p.order.id) for p in (by_admin, by_herself)]
    assert [o.impersonated_by if o else "missing" for o in stored] == [ADMIN, None]
    completed = {e["order_id"]: e.get("impersonated_by") for e in await emitted(uows(), "OrderCompleted")}
    assert completed == {str(by_admin.order.id): ADMIN, str(by_herself.order.id): None}
    granted = {e["order_id"]: e.get("impersonated_by") for e in await emitted(uows(), "AccessGranted")}
    assert granted == {str(by_admin.order.id): ADMIN, str(by_herself.order.id): None}


async def test_a_code_redeemed_while_impersonating_keeps_the_admin(uows: Uows) -> None:
    bought = await checkout(uows(), uuid.uuid4(), await a_price(uows), 2, None)
    first, second = bought.codes
    learner = uuid.uuid4()

    by_admin = await redeem(uows(), first, learner, impersonated_by=ADMIN)
    by_herself = await redeem(uows(), second, uuid.uuid4())

    async with uows() as uow:
        held = [await uow.codes.live_redemption(code) for code in (first, second)]
    assert [r.impersonated_by if r else "missing" for r in held] == [ADMIN, None]
    granted = {e["access_id"]: e.get("impersonated_by") for e in await emitted(uows(), "AccessGranted")}
    assert granted == {str(by_admin.access.id): ADMIN, str(by_herself.access.id): None}
