"""The activity log: every change to a customer, with its time, type and actor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import activity_log
from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor, ActorKind
from trainyard_common.db.batches import InsertRows

_COLUMNS = ("customer_id", "at", "type", "actor_kind", "actor_name", "impersonated", "details", "source_event_id")
# One statement per flush, the rows as one JSON parameter: as an executemany (a statement per row)
# this was a quarter of customer-account's event handling under the checkout bench (py-spy).
_OWN = InsertRows(activity_log, _COLUMNS)
_FED = InsertRows(activity_log, _COLUMNS, conflict=["source_event_id"])  # a replay or re-delivery adds nothing


class ActivityLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[Activity] = []

    def add(self, activity: Activity) -> None:
        """Queued, written by ``flush`` (the unit of work flushes before committing)."""
        self._pending.append(activity)

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        await _OWN.execute(self._session, [_row(a) for a in pending if a.source_event_id is None])
        await _FED.execute(self._session, [_row(a) for a in pending if a.source_event_id is not None])

    async def of_customer(self, customer_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Activity], int]:
        where = activity_log.c.customer_id == customer_id
        total = (await self._session.execute(select(func.count()).where(where))).scalar_one()
        query = select(activity_log).where(where).order_by(activity_log.c.id).limit(limit).offset(offset)
        rows = await self._session.execute(query)
        return [_activity(row) for row in rows], int(total)

    async def scrub(self, customer_id: uuid.UUID) -> None:
        """Erasure: the free text of the details goes; time, type and actor stay."""
        await self._session.execute(
            update(activity_log).where(activity_log.c.customer_id == customer_id).values(details={})
        )


def _row(a: Activity) -> tuple[Any, ...]:
    """In ``_COLUMNS``' order."""
    actor = a.actor
    return (a.customer_id, a.at, a.type, actor.kind.value, actor.name, actor.impersonated, a.details, a.source_event_id)


def _activity(row: Any) -> Activity:
    actor = Actor(ActorKind(row.actor_kind), row.actor_name, row.impersonated)
    return Activity(row.customer_id, row.type, actor, row.at, dict(row.details), row.source_event_id)
