"""Admins, their tokens and the audit trail in the gateway's own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.tables import admin_tokens, admins, audit_log
from gateway.domain.admins import Admin, Principal, Role
from gateway.domain.audit import AuditEntry, Outcome
from gateway.domain.tokens import AdminToken


class AdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, admin: Admin) -> bool:
        """Insert ``admin``; False (and nothing written) when the username is taken."""
        added = await self._session.execute(
            pg_insert(admins)
            .values(
                id=admin.id,
                username=admin.username,
                password_hash=admin.password_hash,
                role=admin.role.value,
                created_at=admin.created_at,
            )
            .on_conflict_do_nothing(index_elements=["username"])
            .returning(admins.c.id)
        )
        return added.first() is not None

    async def by_username(self, username: str) -> Admin | None:
        row = (await self._session.execute(select(admins).where(admins.c.username == username))).first()
        if row is None:
            return None
        return Admin(
            id=row.id,
            username=row.username,
            password_hash=row.password_hash,
            role=Role(row.role),
            created_at=row.created_at,
        )


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: AdminToken) -> None:
        await self._session.execute(
            insert(admin_tokens).values(
                token_hash=token.token_hash,
                admin_id=token.admin_id,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )

    async def holder(self, token_hash: str) -> tuple[AdminToken, Principal] | None:
        row = (
            await self._session.execute(
                select(admin_tokens, admins.c.username, admins.c.role)
                .join(admins, admins.c.id == admin_tokens.c.admin_id)
                .where(admin_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        token = AdminToken(
            token_hash=row.token_hash, admin_id=row.admin_id, expires_at=row.expires_at, revoked_at=row.revoked_at
        )
        return token, Principal(admin_id=row.admin_id, username=row.username, role=Role(row.role))

    async def delete_expired(self, now: datetime) -> None:
        await self._session.execute(admin_tokens.delete().where(admin_tokens.c.expires_at < now))


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: AuditEntry) -> None:
        await self._session.execute(
            insert(audit_log).values(
                id=entry.id,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                outcome=entry.outcome.value,
                status_code=entry.status_code,
                correlation_id=entry.correlation_id,
            )
        )

    async def page(
        self, *, actor: str | None, action: str | None, limit: int, offset: int
    ) -> tuple[list[AuditEntry], int]:
        query = select(audit_log)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action == action)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.execute(
            query.order_by(audit_log.c.at.desc(), audit_log.c.id).limit(limit).offset(offset)
        )
        return [_entry(row._asdict()) for row in rows], int(total or 0)


def _entry(values: dict[str, Any]) -> AuditEntry:
    return AuditEntry(**{**values, "outcome": Outcome(values["outcome"])})
