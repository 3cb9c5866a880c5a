"""Groups, their e-mail-domain automations, and who belongs to them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customer_groups, groups
from customer_account.domain.groups import Group


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_if_name_free(self, group: Group) -> bool:
        inserted = await self._session.execute(
            insert(groups)
            .values(id=group.id, name=group.name, email_domain=group.email_domain, created_at=group.created_at)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(groups.c.id)
        )
        return inserted.first() is not None

    async def all(self) -> list[Group]:
        rows = await self._session.execute(select(groups).order_by(groups.c.name))
        return [Group(**row._asdict()) for row in rows]

    async def existing(self, group_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._session.execute(select(groups.c.id).where(groups.c.id.in_(list(group_ids))))
        return {row.id for row in rows}

    async def for_domain(self, domain: str) -> set[uuid.UUID]:
        rows = await self._session.execute(select(groups.c.id).where(groups.c.email_domain == domain))
        return {row.id for row in rows}

    async def automations(self) -> dict[str, set[uuid.UUID]]:
        """E-mail domain -> the groups it puts people in (an import asks once, not per row)."""
        rows = await self._session.execute(
            select(groups.c.email_domain, groups.c.id).where(groups.c.email_domain.isnot(None))
        )
        found: dict[str, set[uuid.UUID]] = {}
        for row in rows:
            found.setdefault(row.email_domain, set()).add(row.id)
        return found

    async def of_customer(self, customer_id: uuid.UUID) -> list[Group]:
        rows = await self._session.execute(
            select(groups)
            .join(customer_groups, customer_groups.c.group_id == groups.c.id)
            .where(customer_groups.c.customer_id == customer_id)
            .order_by(groups.c.name)
        )
        return [Group(**row._asdict()) for row in rows]

    async def member_counts(self) -> dict[uuid.UUID, int]:
        rows = await self._session.execute(
            select(customer_groups.c.group_id, func.count()).group_by(customer_groups.c.group_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    async def add_members(self, pairs: Iterable[tuple[uuid.UUID, uuid.UUID]], at: datetime) -> None:
        """(customer id, group id) pairs; already a member: nothing happens."""
        values = [{"customer_id": c, "group_id": g, "added_at": at} for c, g in pairs]
        if values:
            await self._session.execute(insert(customer_groups).on_conflict_do_nothing(), values)

    async def remove_members(self, customer_id: uuid.UUID, group_ids: Iterable[uuid.UUID]) -> None:
        await self._session.execute(
            delete(customer_groups).where(
                customer_groups.c.customer_id == customer_id, customer_groups.c.group_id.in_(list(group_ids))
            )
        )
