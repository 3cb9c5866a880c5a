"""What training-progress keeps of other services' facts: access rows (commerce-access) and each
learner's partner (client-directory).

Kept a partition batch at a time: each batch is folded per key in its order and written in one
statement, rows in key order (the service's topics are handled concurrently; a consistent
order keeps two batches from deadlocking). A batch of removals first locks the learners it
names, in that order, to see which of them are still with the partner they leave.

Access events travel on four topics, so one row's events may arrive out of order: a row keeps
the state of its latest event (``changed_at``), and a revoked row stays revoked (commerce-access
changes no revoked row). The learner's own progress asks ``has_live_access``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from operator import attrgetter

from sqlalchemy import bindparam, delete, exists, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import access, certification_courses, course_modules, learner_clients
from training_progress.domain.learners import AccessRow, LearnerClient
from trainyard_common.db.batches import InsertRows, LockRows, last_per_key, latest_per_key

_ACCESS_COLUMNS = [f.name for f in fields(AccessRow)]
_SAVE_ACCESS = InsertRows(
    access,
    [*_ACCESS_COLUMNS, "updated_at"],
    conflict=["access_id"],
    update=[*_ACCESS_COLUMNS[1:], "updated_at"],
    where="access.state <> 'revoked' AND (access.changed_at IS NULL OR access.changed_at <= excluded.changed_at)",
)
_access_values = attrgetter(*_ACCESS_COLUMNS)
_OPENING = (
    select(course_modules.c.course_id.label("item_id"))
    .where(course_modules.c.module_id == bindparam("module"))
    .union_all(
        select(certification_courses.c.certification_id)
        .join(course_modules, course_modules.c.course_id == certification_courses.c.course_id)
        .where(course_modules.c.module_id == bindparam("module"))
    )
)
_LIVE_ACCESS = select(
    exists().where(
        access.c.customer_id == bindparam("customer"),
        access.c.state == "active",
        access.c.starts_on <= bindparam("today"),
        or_(access.c.ends_on.is_(None), access.c.ends_on >= bindparam("today")),
        or_(access.c.item_id == bindparam("module"), access.c.item_id.in_(_OPENING)),
    )
)
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
        """Upsert in one statement; of several states of one access row, the latest one wins."""
        latest = latest_per_key(rows, key=lambda r: r.access_id, at=_changed_at)
        await _SAVE_ACCESS.execute(self._session, [(*_access_values(r), now) for r in latest])

    async def has_live_access(self, customer_id: uuid.UUID, module_id: uuid.UUID, today: date) -> bool:
        """Whether an access row live ``today`` (``AccessRow.live_on``) opens the module: given for the
        module itself, a course showing it, or a certification of such a course."""
        return bool(
            await self._session.scalar(_LIVE_ACCESS, {"customer": customer_id, "module": module_id, "today": today})
        )

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


def _changed_at(row: AccessRow) -> datetime:
    return row.changed_at or datetime.min.replace(tzinfo=UTC)
