"""What customer-account knows of orders and access, from commerce-access's events: the order
history and whether the customer still holds any access (both block a deletion)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customer_access, order_history


@dataclass(frozen=True, slots=True)
class SeenOrder:
    order_id: uuid.UUID
    customer_id: uuid.UUID
    total: Decimal
    currency: str
    source: str
    lines: list[dict[str, Any]]
    completed_at: datetime


class OrderHistory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, order: SeenOrder) -> bool:
        """False when the order was already known (a redelivery under another event id)."""
        inserted = await self._session.execute(
            insert(order_history)
            .values(
                order_id=order.order_id,
                customer_id=order.customer_id,
                total=order.total,
                currency=order.currency,
                source=order.source,
                lines=order.lines,
                completed_at=order.completed_at,
            )
            .on_conflict_do_nothing()
            .returning(order_history.c.order_id)
        )
        return inserted.first() is not None

    async def of_customer(self, customer_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[SeenOrder], int]:
        where = order_history.c.customer_id == customer_id
        total = (await self._session.execute(select(func.count()).where(where))).scalar_one()
        query = select(order_history).where(where).order_by(order_history.c.completed_at.desc())
        rows = await self._session.execute(query.limit(limit).offset(offset))
        return [SeenOrder(**row._asdict()) for row in rows], int(total)

    async def has_orders(self, customer_id: uuid.UUID) -> bool:
        query = select(exists().where(order_history.c.customer_id == customer_id))
        return bool((await self._session.execute(query)).scalar_one())


class AccessSeen:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(
        self, access_id: uuid.UUID, customer_id: uuid.UUID, product_id: uuid.UUID, *, active: bool, at: datetime
    ) -> None:
        values = {"customer_id": customer_id, "product_id": product_id, "active": active, "changed_at": at}
        await self._session.execute(
            insert(customer_access)
            .values(access_id=access_id, **values)
            .on_conflict_do_update(
                index_elements=[customer_access.c.access_id],
                set_=values,
                # events of one customer arrive in order; this guards a replay of an older one
                where=customer_access.c.changed_at <= at,
            )
        )

    async def has_access(self, customer_id: uuid.UUID) -> bool:
        query = select(exists().where(customer_access.c.customer_id == customer_id, customer_access.c.active))
        return bool((await self._session.execute(query)).scalar_one())
