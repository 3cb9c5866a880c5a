"""Use cases: create a product with its prices, change its name or duration."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from commerce_access.domain.errors import NotFoundError
from commerce_access.domain.products import Product, TrainingItem
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork


@dataclass(frozen=True, slots=True)
class CreateProduct:
    name: str
    training_item: TrainingItem | None
    access_days: int | None
    prices: list[tuple[Decimal, str]]


@dataclass(frozen=True, slots=True)
class ChangeProduct:
    product_id: uuid.UUID
    name: str | None
    access_days: int | None
    access_days_given: bool
    """``access_days: null`` (unlimited) differs from leaving the duration alone."""


async def create_product(uow: CommerceUnitOfWork, command: CreateProduct) -> Product:
    product = Product.create(
        command.name, command.training_item, command.access_days, command.prices, datetime.now(UTC)
    )
    async with uow:
        await uow.products.add(product)
        await uow.commit()
    return product


async def change_product(uow: CommerceUnitOfWork, command: ChangeProduct) -> Product:
    """A new duration applies to later purchases; access already granted keeps its dates."""
    async with uow:
        product = await uow.products.get(command.product_id, for_update=True)
        if product is None:
            raise NotFoundError("No such product.")
        if command.name is not None:
            product.name = command.name.strip()
        if command.access_days_given:
            product.access_days = command.access_days
        await uow.products.update(product)
        await uow.commit()
    return product
