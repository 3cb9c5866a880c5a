"""The certificate of erasure: the request, and each service's receipt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import erasure_receipts, erasures
from customer_account.domain.erasure import Receipt


class ErasureRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def requested(self, customer_id: uuid.UUID, kind: str, at: datetime) -> None:
        await self._session.execute(
            insert(erasures)
            .values(customer_id=customer_id, kind=kind, requested_at=at)
            .on_conflict_do_update(index_elements=[erasures.c.customer_id], set_={"kind": kind, "requested_at": at})
        )

    async def key_destroyed(self, customer_id: uuid.UUID, at: datetime) -> None:
        """After ``requested``: the customer's key is gone (the first time counts)."""
        await self._session.execute(
            update(erasures)
            .where(erasures.c.customer_id == customer_id, erasures.c.key_destroyed_at.is_(None))
            .values(key_destroyed_at=at)
        )

    async def request(self, customer_id: uuid.UUID) -> tuple[str, datetime, datetime | None] | None:
        """Kind, time asked and time the key was destroyed."""
        row = (await self._session.execute(select(erasures).where(erasures.c.customer_id == customer_id))).first()
        return (row.kind, row.requested_at, row.key_destroyed_at) if row else None

    async def receipt(self, customer_id: uuid.UUID, receipt: Receipt) -> None:
        """A redelivered or repeated receipt keeps the first confirmation time."""
        await self._session.execute(
            insert(erasure_receipts)
            .values(
                customer_id=customer_id,
                service=receipt.service,
                kind=receipt.kind,
                completed_at=receipt.completed_at,
                request_event_id=receipt.request_event_id,
                removed=list(receipt.removed),
            )
            .on_conflict_do_nothing()
        )

    async def receipts(self, customer_id: uuid.UUID) -> list[Receipt]:
        rows = await self._session.execute(
            select(erasure_receipts).where(erasure_receipts.c.customer_id == customer_id)
        )
        return [Receipt(r.service, r.kind, r.completed_at, r.request_event_id, tuple(r.removed)) for r in rows]
