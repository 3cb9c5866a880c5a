"""Products and their prices."""

import uuid

from fastapi import APIRouter

from commerce_access.domain.products import TrainingItem
from commerce_access.entrypoints.deps import Limit, Offset, UnitOfWork
from commerce_access.entrypoints.schemas import product_public
from commerce_access.service_layer.products import ChangeProduct, CreateProduct, change_product, create_product
from trainyard_common.api.commerce import PricePublic, ProductCreate, ProductList, ProductPublic, ProductUpdate
from trainyard_common.http.errors import NotFound

router = APIRouter(prefix="/v1", tags=["products"])


@router.post("/products", status_code=201)
async def create(body: ProductCreate, uow: UnitOfWork) -> ProductPublic:
    """A product and its prices; each price gets a stable `price_id`."""
    item = TrainingItem(body.training_item.type.value, body.training_item.id) if body.training_item else None
    command = CreateProduct(body.name, item, body.access_days, [(p.amount, p.currency) for p in body.prices])
    return product_public(await create_product(uow, command))


@router.get("/products")
async def list_products(uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0) -> ProductList:
    async with uow:
        found, total = await uow.products.page(limit, offset)
    return ProductList(items=[product_public(p) for p in found], total=total)


@router.get("/products/{product_id}")
async def get_product(product_id: uuid.UUID, uow: UnitOfWork) -> ProductPublic:
    async with uow:
        product = await uow.products.get(product_id)
    if product is None:
        raise NotFound("No such product.")
    return product_public(product)


@router.patch("/products/{product_id}")
async def change(product_id: uuid.UUID, body: ProductUpdate, uow: UnitOfWork) -> ProductPublic:
    """Name or duration (`access_days: null` = unlimited); existing access keeps its dates."""
    command = ChangeProduct(product_id, body.name, body.access_days, "access_days" in body.model_fields_set)
    return product_public(await change_product(uow, command))


@router.get("/prices/{price_id}")
async def price_for_checkout(price_id: uuid.UUID, uow: UnitOfWork) -> PricePublic:
    """A price as a checkout would charge it, 404 when there is none (issue 17, item 1: the gateway
    checks an anonymous order's price before it creates the account). Prices are public (a shop
    page shows them), so a call without an admin reaches this path (``NON_ADMIN_PATHS``)."""
    async with uow:
        found = await uow.products.price(price_id)
    if found is None:
        raise NotFound("No such price.")
    _, price = found
    return PricePublic(price_id=price.price_id, amount=price.amount, currency=price.currency)
