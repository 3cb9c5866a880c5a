"""Learner sessions (stored as token hashes), the login history and who locked an account."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import login_attempts, sessions, sign_in_locks
from customer_account.domain.actors import ActorKind
from customer_account.domain.sign_in import LoginAttempt, SignInLock, StoredSession
from trainyard_common.db.batches import any_of

_MANY = select(sessions).where(any_of(sessions.c.token_hash, "hashes"))


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, stored: StoredSession) -> None:
        await self._session.execute(
            insert(sessions).values(
                token_hash=stored.token_hash,
                customer_id=stored.customer_id,
                impersonated_by=stored.impersonated_by,
                created_at=stored.created_at,
                expires_at=stored.expires_at,
                admin_token_hash=stored.admin_token_hash,
            )
        )

    async def many(self, token_hashes: Iterable[str]) -> dict[str, StoredSession]:
        """The stored sessions among these hashes, by hash (one statement for all)."""
        rows = await self._session.execute(_MANY, {"hashes": list(set(token_hashes))})
        return {row.token_hash: StoredSession(**row._asdict()) for row in rows}

    async def remove(self, token_hash: str) -> StoredSession | None:
        row = (
            await self._session.execute(delete(sessions).where(sessions.c.token_hash == token_hash).returning(sessions))
        ).first()
        return StoredSession(**row._asdict()) if row else None

    async def end_all(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(sessions).where(sessions.c.customer_id == customer_id))

    async def end_others(self, customer_id: uuid.UUID, keep: str | None) -> None:
        """Every session of the customer but the one whose token hash is ``keep`` (None: all)."""
        query = delete(sessions).where(sessions.c.customer_id == customer_id)
        if keep is not None:
            query = query.where(sessions.c.token_hash != keep)
        await self._session.execute(query)

    async def purge_expired(self, at: datetime) -> None:
        await self._session.execute(delete(sessions).where(sessions.c.expires_at <= at))


class LoginHistory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, customer_id: uuid.UUID | None, ip: str | None, at: datetime, *, success: bool) -> None:
        await self._session.execute(
            insert(login_attempts).values(customer_id=customer_id, ip=ip, at=at, success=success)
        )

    async def failures_since(self, customer_id: uuid.UUID, since: datetime) -> int:
        query = select(func.count()).where(
            login_attempts.c.customer_id == customer_id, login_attempts.c.at > since, ~login_attempts.c.success
        )
        return int((await self._session.execute(query)).scalar_one())

    async def pair_failures_since(
        self, customer_id: uuid.UUID, ip: str, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many sign-ins to ``customer_id`` from ``ip`` failed since ``since``, and when the
        last one did."""
        query = select(func.count(), func.max(login_attempts.c.at)).where(
            login_attempts.c.customer_id == customer_id,
            login_attempts.c.ip == ip,
            login_attempts.c.at > since,
            ~login_attempts.c.success,
        )
        count, last = (await self._session.execute(query)).one()
        return int(count), last

    async def ip_failures_since(self, ip: str, since: datetime) -> int:
        """How many sign-ins from ``ip`` (to any account, or to none) failed since ``since``."""
        query = select(func.count()).where(
            login_attempts.c.ip == ip, login_attempts.c.at > since, ~login_attempts.c.success
        )
        return int((await self._session.execute(query)).scalar_one())

    async def ip_failure_at(self, ip: str, since: datetime, position: int) -> datetime | None:
        """When the ``position``-th oldest (from 1) failure from ``ip`` since ``since`` happened."""
        query = (
            select(login_attempts.c.at)
            .where(login_attempts.c.ip == ip, login_attempts.c.at > since, ~login_attempts.c.success)
            .order_by(login_attempts.c.at)
            .offset(max(0, position - 1))
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def record_lock(self, lock: SignInLock) -> None:
        """The account's latest lock (replacing an earlier one's record)."""
        values = {"locked_at": lock.locked_at, "locked_by_kind": lock.locked_by_kind.value, "locked_by": lock.locked_by}
        await self._session.execute(
            upsert(sign_in_locks)
            .values(customer_id=lock.customer_id, **values)
            .on_conflict_do_update(index_elements=[sign_in_locks.c.customer_id], set_=values)
        )

    async def lock_of(self, customer_id: uuid.UUID) -> SignInLock | None:
        row = (
            await self._session.execute(select(sign_in_locks).where(sign_in_locks.c.customer_id == customer_id))
        ).first()
        if row is None:
            return None
        return SignInLock(row.customer_id, row.locked_at, ActorKind(row.locked_by_kind), row.locked_by)

    async def of_customer(self, customer_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[LoginAttempt], int]:
        where = login_attempts.c.customer_id == customer_id
        total = (await self._session.execute(select(func.count()).where(where))).scalar_one()
        query = (
            select(login_attempts.c.at, login_attempts.c.ip, login_attempts.c.success)
            .where(where)
            .order_by(login_attempts.c.at.desc(), login_attempts.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [LoginAttempt(**row._asdict()) for row in await self._session.execute(query)], int(total)

    async def forget_ips(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(
            update(login_attempts).where(login_attempts.c.customer_id == customer_id).values(ip=None)
        )
