"""Writing an import batch with COPY (trainyard_common.db.bulk) rather than INSERTs: compiling and
sending a thousand-row INSERT costs more than the rows themselves.

Customers go through a temporary staging table, so the unique e-mail index still decides
(``ON CONFLICT DO NOTHING``): an address registered meanwhile by someone else is skipped, not
a failed batch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.activity import Activity
from customer_account.domain.customer import Customer
from trainyard_common.db.bulk import copy_rows

CUSTOMER_COLUMNS = (
    "id", "first_name", "last_name", "email", "organization", "password_hash", "status", "created_at",
    "password_change_required",
)  # fmt: skip
ACTIVITY_COLUMNS = ("customer_id", "at", "type", "actor_kind", "actor_name", "impersonated", "details")
STAGING = "customers_import_staging"


async def insert_customers(session: AsyncSession, batch: Sequence[Customer]) -> set[uuid.UUID]:
    """Returns the ids inserted."""
    if not batch:
        return set()
    await session.execute(
        text(f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (LIKE customers INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    )
    await copy_rows(session, STAGING, CUSTOMER_COLUMNS, (_customer_values(c) for c in batch))
    columns = ", ".join(CUSTOMER_COLUMNS)
    inserted = await session.execute(
        text(
            f"INSERT INTO customers ({columns}) SELECT {columns} FROM {STAGING} "  # noqa: S608 (constant names)
            "ON CONFLICT (email) DO NOTHING RETURNING id"
        )
    )
    ids = {row.id for row in inserted}
    await session.execute(text(f"DELETE FROM {STAGING}"))  # noqa: S608
    return ids


async def insert_activities(session: AsyncSession, activities: Sequence[Activity]) -> None:
    await copy_rows(session, "activity_log", ACTIVITY_COLUMNS, (_activity_values(a) for a in activities))


def _customer_values(c: Customer) -> tuple[Any, ...]:
    return (
        c.id, c.first_name, c.last_name, c.email, c.organization, c.password_hash, c.status.value,
        c.created_at.isoformat(), c.password_change_required,
    )  # fmt: skip


def _activity_values(a: Activity) -> tuple[Any, ...]:
    return (
        a.customer_id, a.at.isoformat(), a.type, a.actor.kind.value, a.actor.name, a.actor.impersonated,
        json.dumps(a.details),
    )  # fmt: skip
