"""Deletion requests (one per customer, the latest) in PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import deletion_requests
from customer_account.domain.deletion import DeletionRequest, DeletionState


class DeletionRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, customer_id: uuid.UUID) -> DeletionRequest | None:
        query = select(deletion_requests).where(deletion_requests.c.customer_id == customer_id)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return DeletionRequest(row.customer_id, DeletionState(row.state), row.requested_at, row.reason, row.decided_at)

    async def save(self, request: DeletionRequest) -> None:
        values = {
            "state": request.state.value,
            "reason": request.reason,
            "requested_at": request.requested_at,
            "decided_at": request.decided_at,
        }
        await self._session.execute(
            insert(deletion_requests)
            .values(customer_id=request.customer_id, **values)
            .on_conflict_do_update(index_elements=[deletion_requests.c.customer_id], set_=values)
        )
