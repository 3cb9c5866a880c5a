from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from client_directory.adapters.tables import client_aliases, client_domains, clients, learners
from client_directory.domain.clients import Client, normalize_alias
from client_directory.domain.learners import AssignmentReason, Learner


@dataclass(frozen=True, slots=True)
class ClientMatch:
    client_id: uuid.UUID
    client_name: str


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, client: Client) -> None:
        await self._session.execute(
            insert(clients).values(
                id=client.id,
                name=client.name,
                industry=client.industry,
                active=client.active,
                created_at=client.created_at,
            )
        )
        if client.email_domains:
            await self._session.execute(
                insert(client_domains), [{"domain": d, "client_id": client.id} for d in client.email_domains]
            )
        if client.aliases:
            await self._session.execute(
                insert(client_aliases),
                [{"client_id": client.id, "alias": a, "alias_key": normalize_alias(a)} for a in client.aliases],
            )

    async def domain_owners(self, domains: list[str]) -> dict[str, str]:
        rows = await self._session.execute(
            select(client_domains.c.domain, clients.c.name)
            .join(clients, clients.c.id == client_domains.c.client_id)
            .where(client_domains.c.domain.in_(domains))
        )
        return {row.domain: row.name for row in rows}

    async def name_taken(self, name: str) -> bool:
        found = await self._session.scalar(
            select(clients.c.id).where(clients.c.active, func.lower(clients.c.name) == name.lower()).limit(1)
        )
        return found is not None

    async def get(self, client_id: uuid.UUID) -> Client | None:
        row = (await self._session.execute(select(clients).where(clients.c.id == client_id))).first()
        if row is None:
            return None
        domains = await self._session.scalars(
            select(client_domains.c.domain).where(client_domains.c.client_id == client_id).order_by("domain")
        )
        aliases = await self._session.scalars(
            select(client_aliases.c.alias).where(client_aliases.c.client_id == client_id).order_by("alias")
        )
        return Client(
            id=row.id,
            name=row.name,
            industry=row.industry,
            active=row.active,
            created_at=row.created_at,
            email_domains=list(domains),
            aliases=list(aliases),
        )

    async def search(
        self, *, search: str | None, industry: str | None, active: bool | None, limit: int, offset: int
    ) -> tuple[list[uuid.UUID], int]:
        query = select(clients.c.id)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                or_(
                    func.lower(clients.c.name).like(pattern),
                    clients.c.id.in_(select(client_domains.c.client_id).where(client_domains.c.domain.like(pattern))),
                    clients.c.id.in_(
                        select(client_aliases.c.client_id).where(client_aliases.c.alias_key.like(pattern))
                    ),
                )
            )
        if industry:
            query = query.where(clients.c.industry == industry)
        if active is not None:
            query = query.where(clients.c.active == active)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        ids = await self._session.scalars(query.order_by(func.lower(clients.c.name)).limit(limit).offset(offset))
        return list(ids), int(total or 0)

    async def match_by_domain(self, candidates: list[str]) -> ClientMatch | None:
        """The active client owning the longest of ``candidates`` (most specific domain wins)."""
        row = (
            await self._session.execute(
                select(clients.c.id, clients.c.name)
                .join(client_domains, client_domains.c.client_id == clients.c.id)
                .where(clients.c.active, client_domains.c.domain.in_(candidates))
                .order_by(func.length(client_domains.c.domain).desc())
                .limit(1)
            )
        ).first()
        return ClientMatch(row.id, row.name) if row else None

    async def match_by_alias(self, organization: str) -> ClientMatch | None:
        row = (
            await self._session.execute(
                select(clients.c.id, clients.c.name)
                .join(client_aliases, client_aliases.c.client_id == clients.c.id)
                .where(clients.c.active, client_aliases.c.alias_key == normalize_alias(organization))
                .order_by(clients.c.created_at)
                .limit(1)
            )
        ).first()
        return ClientMatch(row.id, row.name) if row else None


class LearnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_for_update(self, customer_id: uuid.UUID) -> Learner | None:
        row = (
            await self._session.execute(select(learners).where(learners.c.customer_id == customer_id).with_for_update())
        ).first()
        return _learner(row) if row else None

    async def save(self, learner: Learner) -> None:
        values = {
            "email": learner.email,
            "organization": learner.organization,
            "client_id": learner.client_id,
            "reason": learner.reason.value if learner.reason else None,
            "assigned_at": learner.assigned_at,
        }
        await self._session.execute(
            pg_insert(learners)
            .values(customer_id=learner.customer_id, **values)
            .on_conflict_do_update(index_elements=["customer_id"], set_=values)
        )

    async def unmapped_matching(self, domains: list[str], alias_keys: list[str]) -> list[Learner]:
        """Learners without a client whose e-mail domain (or a sub-domain) or organisation matches."""
        email_domain = func.split_part(learners.c.email, "@", 2)
        organization_key = func.lower(func.regexp_replace(func.trim(learners.c.organization), r"\s+", " ", "g"))
        conditions = [email_domain.in_(domains), *(email_domain.like(f"%.{d}") for d in domains)]
        if alias_keys:
            conditions.append(organization_key.in_(alias_keys))
        rows = await self._session.execute(
            select(learners).where(learners.c.client_id.is_(None), or_(*conditions)).with_for_update()
        )
        return [_learner(row) for row in rows]

    async def of_client(self, client_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Learner], int]:
        where = learners.c.client_id == client_id
        total = await self._session.scalar(select(func.count()).select_from(learners).where(where))
        rows = await self._session.execute(
            select(learners).where(where).order_by(learners.c.email).limit(limit).offset(offset)
        )
        return [_learner(row) for row in rows], int(total or 0)


def _learner(row: object) -> Learner:
    values = row._asdict()  # type: ignore[attr-defined]
    reason = values.pop("reason")
    return Learner(**values, reason=AssignmentReason(reason) if reason else None)
