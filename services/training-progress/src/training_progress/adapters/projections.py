"""What training-progress keeps of other services' facts: access rows (commerce-access) and each
learner's partner (client-directory)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import access, learner_clients


@dataclass(frozen=True, slots=True)
class AccessRow:
    access_id: uuid.UUID
    customer_id: uuid.UUID
    item_type: str | None
    item_id: uuid.UUID | None
    starts_on: date
    ends_on: date | None
    state: str


class ProjectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save_access(self, row: AccessRow, now: datetime) -> None:
        values = {
            "customer_id": row.customer_id,
            "item_type": row.item_type,
            "item_id": row.item_id,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "state": row.state,
            "updated_at": now,
        }
        stmt = pg_insert(access).values(access_id=row.access_id, **values)
        await self._session.execute(stmt.on_conflict_do_update(index_elements=["access_id"], set_=values))

    async def assign_client(self, customer_id: uuid.UUID, client_id: uuid.UUID, client_name: str, at: datetime) -> None:
        values = {"client_id": client_id, "client_name": client_name, "assigned_at": at}
        stmt = pg_insert(learner_clients).values(customer_id=customer_id, **values)
        await self._session.execute(stmt.on_conflict_do_update(index_elements=["customer_id"], set_=values))

    async def remove_client(self, customer_id: uuid.UUID, client_id: uuid.UUID) -> None:
        await self._session.execute(
            delete(learner_clients).where(
                learner_clients.c.customer_id == customer_id, learner_clients.c.client_id == client_id
            )
        )

    async def client_of(self, customer_id: uuid.UUID) -> uuid.UUID | None:
        return await self._session.scalar(
            select(learner_clients.c.client_id).where(learner_clients.c.customer_id == customer_id)
        )

    async def delete_customer(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(access).where(access.c.customer_id == customer_id))
        await self._session.execute(delete(learner_clients).where(learner_clients.c.customer_id == customer_id))
