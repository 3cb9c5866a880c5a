"""Admins, their tokens and the audit trail in the gateway's own database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, event, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.tables import admin_tokens, admins, audit_log, integration_tokens, integrations
from gateway.adapters.token_cache import ADMIN_TOKENS, admin_tag, integration_tag
from gateway.domain.admins import Admin, Principal, Role
from gateway.domain.audit import AuditEntry, AuditQuery, Outcome, audit_row, with_request_origin
from gateway.domain.integrations import Integration, IntegrationToken, Scope
from gateway.domain.tokens import AdminToken
from trainyard_common.db.batches import InsertRows
from trainyard_common.db.listing import ListStatements


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
                active=admin.active,
            )
            .on_conflict_do_nothing(index_elements=["username"])
            .returning(admins.c.id)
        )
        return added.first() is not None

    async def by_username(self, username: str, *, for_update: bool = False) -> Admin | None:
        query = select(admins).where(admins.c.username == username)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        return None if row is None else _admin(row)

    async def by_id(self, admin_id: uuid.UUID, *, for_update: bool = False) -> Admin | None:
        query = select(admins).where(admins.c.id == admin_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        return None if row is None else _admin(row)

    async def lock_active_admins(self) -> list[Admin]:
        """Every active admin with the ``admin`` role, locked until the commit: two transactions
        removing the last two of them cannot both see the other one still there."""
        rows = await self._session.execute(
            select(admins)
            .where(admins.c.active, admins.c.role == Role.ADMIN.value)
            .order_by(admins.c.id)
            .with_for_update()
        )
        return [_admin(row) for row in rows]

    async def save(self, admin: Admin, *, password_changed_at: datetime | None = None) -> None:
        """Write ``admin``'s password hash, role and state back."""
        values: dict[str, Any] = {
            "password_hash": admin.password_hash,
            "role": admin.role.value,
            "active": admin.active,
        }
        if password_changed_at is not None:
            values["password_changed_at"] = password_changed_at
        await self._session.execute(update(admins).where(admins.c.id == admin.id).values(**values))
        _end_cached_tokens(self._session, tag=admin_tag(admin.id))  # role or state: at the next request

    async def delete(self, admin_id: uuid.UUID) -> None:
        """Delete the admin; its tokens go with it (``ON DELETE CASCADE``)."""
        await self._session.execute(delete(admins).where(admins.c.id == admin_id))
        _end_cached_tokens(self._session, tag=admin_tag(admin_id))


def _admin(row: Any) -> Admin:
    return Admin(
        id=row.id,
        username=row.username,
        password_hash=row.password_hash,
        role=Role(row.role),
        created_at=row.created_at,
        active=row.active,
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
                .where(admin_tokens.c.token_hash == token_hash, admins.c.active)
            )
        ).first()
        if row is None:
            return None
        token = AdminToken(
            token_hash=row.token_hash, admin_id=row.admin_id, expires_at=row.expires_at, revoked_at=row.revoked_at
        )
        return token, Principal(admin_id=row.admin_id, username=row.username, role=Role(row.role))

    async def revoke(self, token_hash: str, now: datetime) -> bool:
        revoked = await self._session.execute(
            update(admin_tokens)
            .where(admin_tokens.c.token_hash == token_hash, admin_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(admin_tokens.c.token_hash)
        )
        _end_cached_tokens(self._session, key=token_hash)
        return revoked.first() is not None

    async def revoke_all(self, admin_id: uuid.UUID, now: datetime, *, keep: str | None = None) -> int:
        """Revoke every live token of the admin (but ``keep``, a token hash); how many."""
        conditions = [admin_tokens.c.admin_id == admin_id, admin_tokens.c.revoked_at.is_(None)]
        if keep is not None:
            conditions.append(admin_tokens.c.token_hash != keep)
        revoked = await self._session.execute(
            update(admin_tokens).where(*conditions).values(revoked_at=now).returning(admin_tokens.c.token_hash)
        )
        hashes = list(revoked.scalars())
        for token_hash in hashes:
            _end_cached_tokens(self._session, key=token_hash)
        return len(hashes)

    async def delete_expired(self, now: datetime) -> None:
        await self._session.execute(admin_tokens.delete().where(admin_tokens.c.expires_at < now))


class IntegrationRepository:
    """LMS integrations (their secret only as a hash) and their short-lived tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, integration: Integration) -> bool:
        """Insert ``integration``; False (nothing written) when an active one has its name."""
        added = await self._session.execute(
            pg_insert(integrations)
            .values(
                client_id=integration.client_id,
                name=integration.name,
                scopes=_scopes_text(integration.scopes),
                secret_hash=integration.secret_hash,
                created_at=integration.created_at,
                created_by=integration.created_by,
                revoked_at=integration.revoked_at,
            )
            .on_conflict_do_nothing()
            .returning(integrations.c.client_id)
        )
        return added.first() is not None

    async def by_client_id(self, client_id: str) -> Integration | None:
        row = (await self._session.execute(select(integrations).where(integrations.c.client_id == client_id))).first()
        return None if row is None else _integration(row)

    async def active(self) -> list[Integration]:
        rows = await self._session.execute(
            select(integrations).where(integrations.c.revoked_at.is_(None)).order_by(integrations.c.name)
        )
        return [_integration(row) for row in rows]

    async def revoke(self, client_id: str, now: datetime) -> Integration | None:
        """Revoke the active integration and delete its tokens; None when none such is active."""
        row = (
            await self._session.execute(
                update(integrations)
                .where(integrations.c.client_id == client_id, integrations.c.revoked_at.is_(None))
                .values(revoked_at=now)
                .returning(*integrations.c)
            )
        ).first()
        if row is None:
            return None
        await self._session.execute(delete(integration_tokens).where(integration_tokens.c.client_id == client_id))
        _end_cached_tokens(self._session, tag=integration_tag(row.name))
        return _integration(row)

    async def add_token(self, token: IntegrationToken, now: datetime) -> None:
        await self._session.execute(delete(integration_tokens).where(integration_tokens.c.expires_at < now))
        await self._session.execute(
            insert(integration_tokens).values(
                token_hash=token.token_hash,
                client_id=token.client_id,
                scopes=_scopes_text(token.scopes),
                expires_at=token.expires_at,
            )
        )

    async def token_holder(self, token_hash: str) -> tuple[IntegrationToken, Integration] | None:
        """The token and its integration, if the integration is active (revoked: None)."""
        row = (
            await self._session.execute(
                select(
                    integration_tokens.c.token_hash,
                    integration_tokens.c.scopes.label("token_scopes"),
                    integration_tokens.c.expires_at,
                    *integrations.c,
                )
                .join(integrations, integrations.c.client_id == integration_tokens.c.client_id)
                .where(integration_tokens.c.token_hash == token_hash, integrations.c.revoked_at.is_(None))
            )
        ).first()
        if row is None:
            return None
        token = IntegrationToken(
            token_hash=row.token_hash,
            client_id=row.client_id,
            scopes=_scopes(row.token_scopes),
            expires_at=row.expires_at,
        )
        return token, _integration(row)


def _end_cached_tokens(session: AsyncSession, *, key: str | None = None, tag: str | None = None) -> None:
    """Once this transaction commits, the cached answers for the token ``key`` (its hash) or the
    admin/integration ``tag`` end in this process (``adapters.token_cache``); on a rollback nothing
    ended, nothing is forgotten."""
    event.listen(session.sync_session, "after_commit", lambda _: ADMIN_TOKENS.end(key=key, tag=tag), once=True)


def _scopes_text(scopes: frozenset[Scope]) -> str:
    return " ".join(sorted(scope.value for scope in scopes))


def _scopes(text: str) -> frozenset[Scope]:
    return frozenset(Scope(scope) for scope in text.split())


def _integration(row: Any) -> Integration:
    return Integration(
        client_id=row.client_id,
        name=row.name,
        scopes=_scopes(row.scopes),
        secret_hash=row.secret_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: AuditEntry) -> None:
        """Append ``entry`` (the table refuses UPDATE, DELETE and TRUNCATE: migration 0005); an entry
        naming no address or user agent gets the current request's (``RequestOrigin``)."""
        entry = with_request_origin(entry)
        await self._session.execute(insert(audit_log).values(**audit_row(entry)))

    async def add_many(self, entries: list[AuditEntry]) -> None:
        """Append ``entries`` in one statement, as they are: each already names its request's
        address and user agent (``with_request_origin`` applied where it was made)."""
        await _INSERT_AUDIT.execute(self._session, [_audit_values(entry) for entry in entries])

    async def page(self, query: AuditQuery) -> tuple[list[AuditEntry], int]:
        """A page, newest first, and how many match (up to ``COUNT_CAP``: ``ListStatements``);
        each filter has its index (migration 0008)."""
        values = _audit_filter_values(query)
        rows, total = await _AUDIT_LIST.page(self._session, values, limit=query.limit, offset=query.offset)
        return [_entry(row) for row in rows], total

    async def count_since(self, *, action: str, outcome: Outcome, since: datetime, **match: str) -> int:
        """How many ``action`` entries with ``outcome`` since ``since`` match (e.g. actor=, client_ip=)."""
        conditions = [audit_log.c.action == action, audit_log.c.outcome == outcome.value, audit_log.c.at >= since]
        conditions += [audit_log.c[column] == value for column, value in match.items()]
        return int(await self._session.scalar(select(func.count()).where(*conditions)) or 0)

    async def failures_since_last_success(
        self, *, action: str, since: datetime, limit: int, actor: str, client_ip: str | None = None
    ) -> list[datetime]:
        """When ``actor``'s latest ``limit`` denied ``action`` entries happened (from ``client_ip``
        alone when given), newest first: those since ``since`` and after the latest success."""
        match = [audit_log.c.action == action, audit_log.c.actor == actor]
        if client_ip is not None:
            match.append(audit_log.c.client_ip == client_ip)
        last_success = (
            select(func.max(audit_log.c.at))
            .where(*match, audit_log.c.outcome == Outcome.SUCCESS.value, audit_log.c.at >= since)
            .scalar_subquery()
        )
        rows = await self._session.scalars(
            select(audit_log.c.at)
            .where(
                *match,
                audit_log.c.outcome == Outcome.DENIED.value,
                audit_log.c.at >= since,
                or_(last_success.is_(None), audit_log.c.at > last_success),
            )
            .order_by(audit_log.c.at.desc())
            .limit(limit)
        )
        return list(rows)


_AUDIT_COLUMNS = tuple(column.name for column in audit_log.c)
_INSERT_AUDIT = InsertRows(audit_log, _AUDIT_COLUMNS)


def _audit_values(entry: AuditEntry) -> tuple[Any, ...]:
    row = audit_row(entry)
    return tuple(row[name] for name in _AUDIT_COLUMNS)


_AUDIT_FILTERS: dict[str, ColumnElement[bool]] = {
    "actor": audit_log.c.actor == bindparam("actor"),
    "action": audit_log.c.action == bindparam("action"),
    "target": audit_log.c.target == bindparam("target"),
    "since": audit_log.c.at >= bindparam("since"),
    "until": audit_log.c.at < bindparam("until"),
}
"""The audit log's filters, each a parameter of its name (``AuditQuery``'s field)."""


def audit_list_query(query: AuditQuery) -> Select[Any]:
    """The audit log's entries ``query`` filters, unordered, with its values (the page and the
    count are built on it: ``_AUDIT_LIST``)."""
    values = _audit_filter_values(query)
    return _audit_selected(frozenset(values)).params(values)


def _audit_filter_values(query: AuditQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in _AUDIT_FILTERS if getattr(query, name)}


def _audit_selected(shape: frozenset[str]) -> Select[Any]:
    return select(audit_log).where(*(_AUDIT_FILTERS[name] for name in sorted(shape)))


_AUDIT_LIST = ListStatements(_audit_selected, (audit_log.c.at.desc(), audit_log.c.id))


def _entry(values: dict[str, Any]) -> AuditEntry:
    return AuditEntry(**{**values, "outcome": Outcome(values["outcome"])})
