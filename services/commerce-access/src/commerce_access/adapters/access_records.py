"""Access rows in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce_access.adapters.catalogue import training_item_columns, training_item_of
from commerce_access.adapters.tables import access
from commerce_access.domain.access import Access, RevokeReason
from trainyard_common.db.batches import any_of
from trainyard_common.db.counting import total_from_page

# Built once (not per call): a page of order history and the access list run these on every read
# of a customer's page sections, where building the statement and its cache key cost more than
# running it. The order ids travel as one uuid[] (one statement whatever their number).
_OF_ORDERS = (
    select(access)
    .where(any_of(access.c.order_id, "order_ids"), access.c.registration_code.is_(None))
    .order_by(access.c.granted_at)
)
_OF_CUSTOMER = (
    select(access)
    .where(access.c.customer_id == bindparam("customer_id"))
    .order_by(access.c.granted_at.desc(), access.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_AMONG = select(access).where(any_of(access.c.id, "ids")).order_by(access.c.granted_at.desc(), access.c.id)


def _access(row: Any) -> Access:
    return Access(
        id=row.id,
        customer_id=row.customer_id,
        product_id=row.product_id,
        product_name=row.product_name,
        training_item=training_item_of(row),
        order_id=row.order_id,
        registration_code=row.registration_code,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        granted_at=row.granted_at,
        revoked_at=row.revoked_at,
        revoke_reason=RevokeReason(row.revoke_reason) if row.revoke_reason else None,
        expiry_noticed_for=row.expiry_noticed_for,
    )


def _values(row: Access) -> dict[str, object]:
    return {
        "customer_id": row.customer_id,
        "product_id": row.product_id,
        "product_name": row.product_name,
        "order_id": row.order_id,
        "registration_code": row.registration_code,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "granted_at": row.granted_at,
        "revoked_at": row.revoked_at,
        "revoke_reason": row.revoke_reason.value if row.revoke_reason else None,
        "expiry_noticed_for": row.expiry_noticed_for,
        **training_item_columns(row.training_item),
    }


def access_values(row: Access) -> dict[str, object]:
    """The ``access`` row of ``row``, by column (its id included)."""
    return {"id": row.id, **_values(row)}


class AccessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: Access) -> None:
        await self._session.execute(insert(access).values(id=row.id, **_values(row)))

    async def save(self, row: Access) -> None:
        await self._session.execute(update(access).where(access.c.id == row.id).values(**_values(row)))

    async def get(self, access_id: uuid.UUID, *, for_update: bool = False) -> Access | None:
        query = select(access).where(access.c.id == access_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        return _access(row) if row else None

    async def of_order(self, order_id: uuid.UUID) -> list[Access]:
        query = select(access).where(access.c.order_id == order_id, access.c.registration_code.is_(None))
        return [_access(r) for r in (await self._session.execute(query.order_by(access.c.granted_at))).all()]

    async def of_orders(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Access]]:
        """``of_order`` for several orders in one statement (a page of order history)."""
        found: dict[uuid.UUID, list[Access]] = {order_id: [] for order_id in order_ids}
        if order_ids:
            for row in await self._session.execute(_OF_ORDERS, {"order_ids": list(order_ids)}):
                found[row.order_id].append(_access(row))
        return found

    async def among(self, access_ids: Sequence[uuid.UUID]) -> list[Access]:
        """These access rows (of any customer; unknown ids are left out), newest first."""
        return [_access(r) for r in await self._session.execute(_AMONG, {"ids": list(access_ids)})]

    async def of_customer(self, customer_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Access], int]:
        page = {"customer_id": customer_id, "limit": limit, "offset": offset}
        rows = (await self._session.execute(_OF_CUSTOMER, page)).all()
        total = total_from_page(len(rows), limit=limit, offset=offset)  # most customers: one short page
        if total is None:
            where = access.c.customer_id == customer_id
            total = (await self._session.execute(select(func.count()).select_from(access).where(where))).scalar_one()
        return [_access(r) for r in rows], int(total)

    async def expiry_due(self, today: date, limit: int) -> list[Access]:
        """Ended rows not yet noticed for their current end, locked; rows another replica is
        sweeping are skipped, so each expiry is announced once."""
        query = (
            select(access)
            .where(
                access.c.revoked_at.is_(None),
                access.c.ends_on < today,
                access.c.expiry_noticed_for.is_distinct_from(access.c.ends_on),
            )
            .order_by(access.c.ends_on)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_access(r) for r in (await self._session.execute(query)).all()]

    async def counts_for(self, customer_id: uuid.UUID, today: date) -> bool:
        """Whether the customer holds access that has not been revoked and has not ended (a
        deletion is refused then; upcoming access counts)."""
        query = select(access.c.id).where(
            access.c.customer_id == customer_id,
            access.c.revoked_at.is_(None),
            (access.c.ends_on.is_(None)) | (access.c.ends_on >= today),
        )
        return (await self._session.execute(query.limit(1))).first() is not None

    async def delete_of_customer(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(access).where(access.c.customer_id == customer_id))
