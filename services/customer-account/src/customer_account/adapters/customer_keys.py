"""The customers' data keys (table ``customer_keys``), stored wrapped by the first key-encryption
key; served unwrapped to the services that read sealed personal fields."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customer_keys
from trainyard_common.db.batches import SelectRows
from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING, KeyEncryptionKeys

_keks = KeyEncryptionKeys.parse(DEVELOPMENT_KEYS_SETTING)
# The keys of a batch of customers, read or created in one statement: the CTE inserts the missing ones
# (a key already there is kept) and returns their ids (their keys are the ones just made, no unwrap
# needed); the outer SELECT, which does not see the CTE's rows, reads those that were already there.
_INSERT_NEW_KEYS = (
    "INSERT INTO customer_keys (customer_id, wrapped_key, kek_id, created_at) "
    "SELECT k.id, k.wrapped, k.kek, :at FROM unnest(CAST(:ids AS uuid[]), CAST(:wrapped AS bytea[]), "
    "CAST(:keks AS text[])) AS k(id, wrapped, kek)"
)
_INSERT_KEYS = f"{_INSERT_NEW_KEYS} ON CONFLICT (customer_id) DO NOTHING"
_CREATE = text(_INSERT_KEYS)
_CREATE_NEW = text(_INSERT_NEW_KEYS)  # a key already there is an error: ``create_new`` is for new customers
_READ_OR_CREATE = text(
    f"WITH created AS ({_INSERT_KEYS} RETURNING customer_id) "  # noqa: S608 (constants only, no input)
    "SELECT customer_id, NULL::bytea AS wrapped_key, NULL::text AS kek_id FROM created UNION ALL "
    "SELECT customer_id, wrapped_key, kek_id FROM customer_keys WHERE customer_id = ANY(CAST(:ids AS uuid[]))"
)


def use_key_encryption_keys(keks: KeyEncryptionKeys) -> None:
    """Set once at start-up (``bootstrap``) from ``TRAINYARD_KEY_ENCRYPTION_KEYS``."""
    global _keks  # noqa: PLW0603 (process-wide configuration, like the hashing gate)
    _keks = keks


def key_encryption_keys() -> KeyEncryptionKeys:
    return _keks


def _new_keys(ids: list[uuid.UUID], at: datetime) -> tuple[dict[str, object], dict[uuid.UUID, bytes]]:
    """A new data key for each id: the statement's parameters (wrapped) and the keys themselves."""
    new_keys = _keks.new_keys(len(ids))
    params = {"ids": ids, "wrapped": [w for _, w in new_keys], "keks": [_keks.current_id] * len(ids), "at": at}
    return params, {customer_id: key for customer_id, (key, _) in zip(ids, new_keys, strict=True)}


class CustomerKeyStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, customer_ids: Collection[uuid.UUID], at: datetime) -> None:
        """A new key for each customer, in one statement (three arrays); a customer who has one keeps it."""
        ids = list(dict.fromkeys(customer_ids))
        if ids:
            await self._session.execute(_CREATE, _new_keys(ids, at)[0])

    async def create_new(self, customer_ids: Collection[uuid.UUID], at: datetime) -> dict[uuid.UUID, bytes]:
        """The keys of customers created in this transaction, none of whom can have one yet: one
        INSERT, nothing read back (a registration's path; a key already there raises)."""
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        params, made = _new_keys(ids, at)
        await self._session.execute(_CREATE_NEW, params)
        return made

    async def keys_for(self, customer_ids: Collection[uuid.UUID], at: datetime) -> dict[uuid.UUID, bytes]:
        """Each customer's key, created for one who has none (a customer from before keys, or a new
        one), in one statement: the sealing of their events' personal fields. Only for customers
        not erased (an erased customer's key never comes back; callers emit nothing personal)."""
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        params, made = _new_keys(ids, at)
        rows = await self._session.execute(_READ_OR_CREATE, params)
        return {
            row.customer_id: made[row.customer_id]
            if row.wrapped_key is None
            else _keks.unwrap(row.wrapped_key, row.kek_id)
            for row in rows
        }

    async def key_of(self, customer_id: uuid.UUID) -> bytes | None:
        row = (
            await self._session.execute(
                select(customer_keys.c.wrapped_key, customer_keys.c.kek_id).where(
                    customer_keys.c.customer_id == customer_id
                )
            )
        ).first()
        return None if row is None else _keks.unwrap(row.wrapped_key, row.kek_id)

    async def keys_of(self, customer_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """The stored keys of these customers, in one statement (a customer without one is absent)."""
        rows = await _KEYS_OF.execute(self._session, customer_ids)
        return {row.customer_id: _keks.unwrap(row.wrapped_key, row.kek_id) for row in rows}

    async def destroy(self, customer_id: uuid.UUID) -> bool:
        result = await self._session.execute(delete(customer_keys).where(customer_keys.c.customer_id == customer_id))
        return bool(getattr(result, "rowcount", 0))

    async def rewrap_batch(self, limit: int) -> int:
        """Re-wrap up to ``limit`` keys not wrapped by the first KEK; returns how many (0: done).
        Rows locked by another rotation are skipped, so two runs share the work."""
        rows = (
            await self._session.execute(
                select(customer_keys.c.customer_id, customer_keys.c.wrapped_key, customer_keys.c.kek_id)
                .where(customer_keys.c.kek_id != _keks.current_id)
                .order_by(customer_keys.c.customer_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        params = []
        for row in rows:
            wrapped, kek_id = _keks.rewrap(row.wrapped_key, row.kek_id)
            params.append({"id": row.customer_id, "wrapped": wrapped, "kek": kek_id})
        await self._session.execute(
            update(customer_keys)
            .where(customer_keys.c.customer_id == bindparam("id"))
            .values(wrapped_key=bindparam("wrapped"), kek_id=bindparam("kek")),
            params,
        )
        return len(rows)


# A consumer's whole batch (hundreds of ids) in one JSON parameter, the statement built once: an
# IN list was compiled anew for every lookup, with a bind parameter per id.
_KEYS_OF = SelectRows(customer_keys, "customer_id", ["customer_id", "wrapped_key", "kek_id"])
