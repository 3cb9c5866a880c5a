"""Orders: learner checkout, admin assignment, order history and details."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from commerce_access.domain.orders import Order
from commerce_access.entrypoints.deps import Ids, Impersonator, Limit, Offset, ReadingUnitOfWork, UnitOfWork
from commerce_access.entrypoints.schemas import order_public
from commerce_access.service_layer.ordering import assign, checkout
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.api.commerce import (
    AssignmentCreate,
    CheckoutCreate,
    ImportFailure,
    ImportFailureList,
    OrderList,
    OrderPublic,
)
from trainyard_common.http.errors import NotFound

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

router = APIRouter(prefix="/v1", tags=["orders"])


@router.post("/learners/{customer_id}/orders", status_code=201, response_model=OrderPublic)
async def learner_checkout(
    customer_id: uuid.UUID,
    body: CheckoutCreate,
    uow: UnitOfWork,
    *,
    impersonated_by: Impersonator,
    key: IdempotencyKey = None,
) -> Response:
    """Checkout (completed at once). A repeated `Idempotency-Key` answers 200 with the first order.
    An admin impersonating the learner is kept with the order and told in OrderCompleted."""
    key = key or body.idempotency_key
    placed = await checkout(uow, customer_id, body.price_id, body.quantity, key, impersonated_by=impersonated_by)
    # Serialised once here: returned as the model, FastAPI would validate it again (response_model).
    return Response(
        order_public(placed.order, placed.codes, placed.access).model_dump_json(),
        status_code=201 if placed.created else 200,
        media_type="application/json",
    )


@router.post("/customers/{customer_id}/product-assignments", status_code=201)
async def assign_product(customer_id: uuid.UUID, body: AssignmentCreate, uow: UnitOfWork) -> OrderPublic:
    """A completed zero-dollar order and immediate access."""
    placed = await assign(uow, customer_id, body.price_id)
    return order_public(placed.order, placed.codes, placed.access)


@router.get("/customers/{customer_id}/orders")
async def customer_orders(
    customer_id: uuid.UUID, uow: ReadingUnitOfWork, limit: Limit = 50, offset: Offset = 0
) -> OrderList:
    """The customer's order history, newest first (an unknown customer has none)."""
    async with uow:
        found, total = await uow.orders.of_customer(customer_id, limit, offset)
        return OrderList(items=await _shown(uow, found), total=total)


@router.get("/orders")
async def orders_among(uow: ReadingUnitOfWork, order_id: Ids) -> OrderList:
    """These orders, whoever placed them (unknown ids are left out), newest first: what the gateway's
    customer view reads when events name them."""
    async with uow:
        found = await uow.orders.among(order_id)
        return OrderList(items=await _shown(uow, found), total=len(found))


async def _shown(uow: CommerceUnitOfWork, found: list[Order]) -> list[OrderPublic]:
    """The orders with their codes and access rows (two statements for them all, not two per order)."""
    ids = [o.id for o in found]
    codes, access = await uow.codes.of_orders(ids), await uow.access.of_orders(ids)
    return [order_public(o, codes[o.id], access[o.id]) for o in found]


@router.get("/orders/{order_id}")
async def order_details(order_id: uuid.UUID, uow: UnitOfWork) -> OrderPublic:
    async with uow:
        order = await uow.orders.get(order_id)
        if order is None:
            raise NotFound("No such order.")
        return order_public(order, await uow.codes.of_order(order.id), await uow.access.of_order(order.id))


@router.get("/import-failures")
async def import_failures(uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0) -> ImportFailureList:
    """Import rows that could not become an order (e.g. an unknown price id), newest first."""
    async with uow:
        rows, total = await uow.orders.import_failures(limit, offset)
    return ImportFailureList(items=[ImportFailure(**r) for r in rows], total=total)
