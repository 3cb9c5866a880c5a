"""Products and prices in PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce_access.adapters.tables import prices, products
from commerce_access.domain.products import Price, Product, TrainingItem


def training_item_of(row: Any) -> TrainingItem | None:
    if row.training_item_id is None:
        return None
    return TrainingItem(row.training_item_type, row.training_item_id)


def training_item_columns(item: TrainingItem | None) -> dict[str, object]:
    return {"training_item_type": item.type if item else None, "training_item_id": item.id if item else None}


_REMEMBERED: dict[uuid.UUID, tuple[Product, Price]] = {}
"""Prices as this process last read them, for checkouts (a copy per process: any copy may be
stale, every use is checked). Forgotten all at once past ``_REMEMBERED_AT_MOST``."""
_REMEMBERED_AT_MOST = 10_000


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, product: Product) -> None:
        await self._session.execute(
            insert(products).values(
                id=product.id,
                name=product.name,
                access_days=product.access_days,
                created_at=product.created_at,
                **training_item_columns(product.training_item),
            )
        )
        rows = [
            {
                "price_id": p.price_id,
                "product_id": p.product_id,
                "position": i,
                "amount": p.amount,
                "currency": p.currency,
            }
            for i, p in enumerate(product.prices)
        ]
        await self._session.execute(insert(prices), rows)

    async def update(self, product: Product) -> None:
        await self._session.execute(
            update(products)
            .where(products.c.id == product.id)
            .values(name=product.name, access_days=product.access_days)
        )

    async def get(self, product_id: uuid.UUID, *, for_update: bool = False) -> Product | None:
        query = select(products).where(products.c.id == product_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        if row is None:
            return None
        return (await self._with_prices([row]))[0]

    async def price(self, price_id: uuid.UUID) -> tuple[Product, Price] | None:
        """The price and its product as they are now (one query: it is on every checkout's path);
        the duration read here is the one in force for the purchase."""
        query = (
            select(products, prices.c.amount, prices.c.currency)
            .join(prices, prices.c.product_id == products.c.id)
            .where(prices.c.price_id == price_id)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        price = Price(price_id, row.id, row.amount, row.currency)
        return Product(row.id, row.name, training_item_of(row), row.access_days, row.created_at, [price]), price

    async def remembered_price(self, price_id: uuid.UUID, *, read_again: bool = False) -> tuple[Product, Price] | None:
        """The price and its product as this process last read them (``price`` on the first
        checkout at it, or when ``read_again``): a checkout's statement checks they are still so
        (``OrderRepository.complete_and_commit``) and nothing is written from a stale copy."""
        if not read_again and (known := _REMEMBERED.get(price_id)) is not None:
            return known
        found = await self.price(price_id)
        await self._session.rollback()  # the read's transaction: the checkout's own follows
        if found is not None:
            if len(_REMEMBERED) >= _REMEMBERED_AT_MOST:
                _REMEMBERED.clear()
            _REMEMBERED[price_id] = found
        return found

    async def page(self, limit: int, offset: int) -> tuple[list[Product], int]:
        total = (await self._session.execute(select(func.count()).select_from(products))).scalar_one()
        query = select(products).order_by(products.c.created_at.desc(), products.c.id).limit(limit).offset(offset)
        rows = (await self._session.execute(query)).all()
        return await self._with_prices(rows), int(total)

    async def _with_prices(self, rows: Any) -> list[Product]:
        found = [Product(r.id, r.name, training_item_of(r), r.access_days, r.created_at, []) for r in rows]
        if not found:
            return found
        by_id = {p.id: p for p in found}
        query = select(prices).where(prices.c.product_id.in_(by_id)).order_by(prices.c.position)
        for r in (await self._session.execute(query)).all():
            by_id[r.product_id].prices.append(Price(r.price_id, r.product_id, r.amount, r.currency))
        return found
