"""Orders: learner checkout, admin assignment, order history and details."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from commerce_access.entrypoints.schemas import order_public
from commerce_access.service_layer.ordering import Placed, assign, checkout
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.api.commerce import (
    AssignmentCreate,
    CheckoutCreate,
    ImportFailure,
    ImportFailureList,
    OrderList,
    OrderPublic,
)
from trainyard_common.http.errors import NotFound, http_errors

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


def add_order_routes(router: APIRouter, uow_factory: Callable[[], CommerceUnitOfWork]) -> None:
    UnitOfWork = Annotated[CommerceUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.post("/learners/{customer_id}/orders", status_code=201, tags=["orders"])
    async def learner_checkout(
        customer_id: uuid.UUID, body: CheckoutCreate, uow: UnitOfWork, response: Response, key: IdempotencyKey = None
    ) -> OrderPublic:
        """Checkout (completed at once). A repeated `Idempotency-Key` answers 200 with the first order."""
        with http_errors():
            placed = await checkout(uow, customer_id, body.price_id, body.quantity, key or body.idempotency_key)
        return _answer(placed, response)

    @router.post("/customers/{customer_id}/product-assignments", status_code=201, tags=["orders"])
    async def assign_product(customer_id: uuid.UUID, body: AssignmentCreate, uow: UnitOfWork) -> OrderPublic:
        """A completed zero-dollar order and immediate access."""
        with http_errors():
            placed = await assign(uow, customer_id, body.price_id)
        return order_public(placed.order, placed.codes, placed.access)

    @router.get("/customers/{customer_id}/orders", tags=["orders"])
    async def customer_orders(
        customer_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0
    ) -> OrderList:
        """The customer's order history, newest first (an unknown customer has none)."""
        async with uow:
            found, total = await uow.orders.of_customer(customer_id, limit, offset)
            items = [order_public(o, await uow.codes.of_order(o.id), await uow.access.of_order(o.id)) for o in found]
        return OrderList(items=items, total=total)

    @router.get("/orders/{order_id}", tags=["orders"])
    async def order_details(order_id: uuid.UUID, uow: UnitOfWork) -> OrderPublic:
        async with uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound("No such order.")
            return order_public(order, await uow.codes.of_order(order.id), await uow.access.of_order(order.id))

    @router.get("/import-failures", tags=["orders"])
    async def import_failures(uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0) -> ImportFailureList:
        """Import rows that could not become an order (e.g. an unknown price id), newest first."""
        async with uow:
            rows, total = await uow.orders.import_failures(limit, offset)
        return ImportFailureList(items=[ImportFailure(**r) for r in rows], total=total)


def _answer(placed: Placed, response: Response) -> OrderPublic:
    if not placed.created:
        response.status_code = 200
    return order_public(placed.order, placed.codes, placed.access)
