"""Products and their prices."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from commerce_access.domain.errors import NotFoundError
from commerce_access.domain.products import TrainingItem
from commerce_access.entrypoints.schemas import product_public
from commerce_access.service_layer.products import ChangeProduct, CreateProduct, change_product, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.api.commerce import ProductCreate, ProductList, ProductPublic, ProductUpdate
from trainyard_common.http.errors import http_errors

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def add_product_routes(router: APIRouter, uow_factory: Callable[[], CommerceUnitOfWork]) -> None:
    UnitOfWork = Annotated[CommerceUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.post("/products", status_code=201, tags=["products"])
    async def create(body: ProductCreate, uow: UnitOfWork) -> ProductPublic:
        """A product and its prices; each price gets a stable `price_id`."""
        item = TrainingItem(body.training_item.type.value, body.training_item.id) if body.training_item else None
        command = CreateProduct(body.name, item, body.access_days, [(p.amount, p.currency) for p in body.prices])
        return product_public(await create_product(uow, command))

    @router.get("/products", tags=["products"])
    async def list_products(uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0) -> ProductList:
        async with uow:
            found, total = await uow.products.page(limit, offset)
        return ProductList(items=[product_public(p) for p in found], total=total)

    @router.get("/products/{product_id}", tags=["products"])
    async def get_product(product_id: uuid.UUID, uow: UnitOfWork) -> ProductPublic:
        async with uow:
            product = await uow.products.get(product_id)
        with http_errors():
            if product is None:
                raise NotFoundError("No such product.")
        return product_public(product)

    @router.patch("/products/{product_id}", tags=["products"])
    async def change(product_id: uuid.UUID, body: ProductUpdate, uow: UnitOfWork) -> ProductPublic:
        """Name or duration (`access_days: null` = unlimited); existing access keeps its dates."""
        command = ChangeProduct(product_id, body.name, body.access_days, "access_days" in body.model_fields_set)
        with http_errors():
            return product_public(await change_product(uow, command))
