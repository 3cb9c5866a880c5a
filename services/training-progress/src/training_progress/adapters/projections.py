"""What training-progress keeps of other services' facts: access rows (commerce-access) and each
learner's partner (client-directory).

Kept a partition batch at a time: each batch is folded per key in its order and written in one
statement, rows in key order (the service's topics are handled concurrently; a consistent
order keeps two batches from deadlocking). A batch of removals first locks the learners it
names, in that order, to see which of them are still with the partner they leave."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from operator import attrgetter

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import access, learner_clients
from training_progress.domain.learners import AccessRow, LearnerClient
from trainyard_common.db.batches import InsertRows, LockRows, last_per_key

_ACCESS_COLUMNS = [f.name for f in fields(AccessRow)]
_SAVE_ACCESS = InsertRows(
    access, [*_ACCESS_COLUMNS, "updated_at"], conflict=["access_id"], update=[*_ACCESS_COLUMNS[1:], "updated_at"]
)
_access_values = attrgetter(*_ACCESS_COLUMNS)
_CLIENT_COLUMNS = [f.name for f in fields(LearnerClient)]
_ASSIGN = InsertRows(learner_clients, _CLIENT_COLUMNS, conflict=["customer_id"], update=_CLIENT_COLUMNS[1:])
_client_row = attrgetter(*_CLIENT_COLUMNS)
# FOR UPDATE, not NO KEY UPDATE: the rows are then deleted.
_LOCK_CLIENTS = LockRows(learner_clients, "customer_id", ["customer_id", "client_id"], mode="UPDATE")
_DELETE_CLIENTS = text("DELETE FROM learner_clients WHERE customer_id = ANY(CAST(:ids AS uuid[]))")


class ProjectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save_access(self, rows: Sequence[AccessRow], now: datetime) -> None:
        """Upsert in one statement; of several states of one access row, the last one wins."""
        latest = last_per_key(rows, key=lambda r: r.access_id)
        await _SAVE_ACCESS.execute(self._session, [(*_access_values(r), now) for r in latest])

    async def assign_clients(self, assignments: Sequence[LearnerClient]) -> None:
        """Upsert in one statement; of several assignments of one learner, the last one wins."""
        rows = last_per_key(assignments, key=lambda a: a.customer_id)
        await _ASSIGN.execute(self._session, [_client_row(a) for a in rows])

    async def clients_for_update(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
        """The learners among ``customer_ids`` that have a partner, and its id, locked in key order."""
        return {row.customer_id: row.client_id for row in await _LOCK_CLIENTS.execute(self._session, customer_ids)}

    async def remove_clients(self, customer_ids: Sequence[uuid.UUID]) -> None:
        """The learners have no partner any more (lock them first: ``clients_for_update``)."""
        if customer_ids:
            await self._session.execute(_DELETE_CLIENTS, {"ids": list(customer_ids)})

    async def client_of(self, customer_id: uuid.UUID) -> uuid.UUID | None:
        return await self._session.scalar(
            select(learner_clients.c.client_id).where(learner_clients.c.customer_id == customer_id)
        )

    async def delete_customer(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(access).where(access.c.customer_id == customer_id))
        await self._session.execute(delete(learner_clients).where(learner_clients.c.customer_id == customer_id))
