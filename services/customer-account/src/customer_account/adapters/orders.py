"""What customer-account knows of orders and access, from commerce-access's events: the order
history and whether the customer still holds any access (both block a deletion).

Both are written a partition batch at a time, one statement each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from operator import attrgetter

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customer_access, order_history
from customer_account.domain.orders import AccessState, SeenOrder
from trainyard_common.db.batches import InsertRows, first_per_key, latest_per_key

_ADD_ORDERS = InsertRows(
    order_history, [f.name for f in fields(SeenOrder)], conflict=["order_id"], returning=["order_id"]
)
_SET_ACCESS = InsertRows(
    customer_access,
    [f.name for f in fields(AccessState)],
    conflict=["access_id"],
    update=["customer_id", "product_id", "active", "changed_at"],
    # events of one customer arrive in order; this guards a replay of an older one
    where="customer_access.changed_at <= excluded.changed_at",
)
_order_row = attrgetter(*_ADD_ORDERS.columns)
_access_row = attrgetter(*_SET_ACCESS.columns)


class OrderHistory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_new(self, orders: Sequence[SeenOrder]) -> list[SeenOrder]:
        """Insert the orders not known yet (one statement) and return them; an order already
        known (a redelivery under another event id, or twice in this batch) is left alone."""
        rows = first_per_key(orders, key=lambda o: o.order_id)
        inserted = {row.order_id for row in await _ADD_ORDERS.execute(self._session, [_order_row(o) for o in rows])}
        return [o for o in rows if o.order_id in inserted]

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

    async def set_all(self, states: Sequence[AccessState]) -> None:
        """Upsert in one statement; a row already newer than a state keeps its own."""
        rows = latest_per_key(states, key=lambda s: s.access_id, at=lambda s: s.changed_at)
        await _SET_ACCESS.execute(self._session, [_access_row(s) for s in rows])

    async def has_access(self, customer_id: uuid.UUID) -> bool:
        query = select(exists().where(customer_access.c.customer_id == customer_id, customer_access.c.active))
        return bool((await self._session.execute(query)).scalar_one())
