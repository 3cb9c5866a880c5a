"""The activity log: every change to a customer, with its time, type and actor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import activity_log
from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor, ActorKind


class ActivityLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending: list[Activity] = []

    def add(self, activity: Activity) -> None:
        """Queued, written by ``flush`` (the unit of work flushes before committing)."""
        self._pending.append(activity)

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        own = [_row(a) for a in pending if a.source_event_id is None]
        fed = [_row(a) for a in pending if a.source_event_id is not None]
        if own:
            await self._session.execute(insert(activity_log), own)
        if fed:  # from other services' events: a replay or re-delivery adds nothing
            await self._session.execute(
                pg_insert(activity_log).on_conflict_do_nothing(index_elements=["source_event_id"]), fed
            )

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


def _row(a: Activity) -> dict[str, Any]:
    return {
        "customer_id": a.customer_id,
        "at": a.at,
        "type": a.type,
        "actor_kind": a.actor.kind.value,
        "actor_name": a.actor.name,
        "impersonated": a.actor.impersonated,
        "details": a.details,
        "source_event_id": a.source_event_id,
    }


def _activity(row: Any) -> Activity:
    actor = Actor(ActorKind(row.actor_kind), row.actor_name, row.impersonated)
    return Activity(row.customer_id, row.type, actor, row.at, dict(row.details), row.source_event_id)
