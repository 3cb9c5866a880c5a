"""The customer view's tables and the statements on them (``service_layer/customer_views.py``).

* ``customer_view_sections``: one row per (customer, section), the section's JSON as the page
  shows it (``body``) and, for the profile, the page's deletion fields (``extras``; for orders and
  access, what they say against a deletion); one indexed read of a customer's rows.
* ``customer_view_pending``: sections to read again (their service could not answer, or a
  dependent section's second read), due at ``due_at``.
* ``customer_view_tombstones``: erased or deleted customers, whose view is never written again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, Uuid, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.adapters.tables import metadata
from trainyard_common.db.batches import InsertRows

customer_view_sections = Table(
    "customer_view_sections",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("section", Text, primary_key=True),
    Column("body", Text, nullable=False),
    Column("extras", Text),
    Column("as_of", DateTime(timezone=True), nullable=False),
)

customer_view_pending = Table(
    "customer_view_pending",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("section", Text, primary_key=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index("ix_customer_view_pending_due_at", "due_at"),
)

customer_view_tombstones = Table(
    "customer_view_tombstones",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_customer_view_tombstones_at", "at"),
)

Executor = AsyncSession | AsyncConnection
Pair = tuple[uuid.UUID, str]


@dataclass(frozen=True, slots=True)
class StoredSection:
    customer_id: uuid.UUID
    section: str
    body: str
    extras: str | None
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Leased:
    customer_id: uuid.UUID
    section: str
    due_at: datetime
    attempts: int


_READ = "SELECT section, body, extras FROM customer_view_sections WHERE customer_id = %s"

# The rows travel as one JSON text (``InsertRows``): as ``text[]`` parameters psycopg quoted each
# section's JSON with a regex, a third of the gateway's CPU under checkout load (py-spy).
_UPSERT = InsertRows(
    customer_view_sections,
    ["customer_id", "section", "body", "extras", "as_of"],
    conflict=["customer_id", "section"],
    update=["body", "extras", "as_of"],
    where="customer_view_sections.as_of <= excluded.as_of",  # never a newer read replaced by an older one
    rows_where="NOT EXISTS (SELECT 1 FROM customer_view_tombstones t WHERE t.customer_id = batch.customer_id)",
)

_QUEUE = text("""
INSERT INTO customer_view_pending (customer_id, section, due_at, attempts, last_error)
SELECT v.customer_id, v.section, :due_at, 0, :error
FROM unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
WHERE NOT EXISTS (SELECT 1 FROM customer_view_tombstones t WHERE t.customer_id = v.customer_id)
ON CONFLICT (customer_id, section) DO UPDATE
SET due_at = LEAST(customer_view_pending.due_at, EXCLUDED.due_at),
    last_error = COALESCE(EXCLUDED.last_error, customer_view_pending.last_error)
""")

_LEASE = text("""
UPDATE customer_view_pending p SET due_at = :lease_until
FROM (SELECT customer_id, section, due_at FROM customer_view_pending
      WHERE due_at <= :now ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED) due
WHERE p.customer_id = due.customer_id AND p.section = due.section
RETURNING p.customer_id, p.section, p.due_at, p.attempts
""")

_DONE = text("""
DELETE FROM customer_view_pending p
USING unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
WHERE p.customer_id = v.customer_id AND p.section = v.section AND p.due_at = :lease_until
""")

_FAILED = text("""
UPDATE customer_view_pending p
SET due_at = v.due_at, attempts = p.attempts + 1, last_error = v.error
FROM unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[]), CAST(:errors AS text[]), CAST(:dues AS timestamptz[]))
     AS v(customer_id, section, error, due_at)
WHERE p.customer_id = v.customer_id AND p.section = v.section AND p.due_at = :lease_until
""")


async def read(conn: AsyncConnection, customer_id: uuid.UUID) -> list[tuple[str, str, str | None]]:
    """The customer's stored sections: (section, body, extras).

    The page's one statement goes to the driver's connection, prepared: SQLAlchemy's execution
    path (compiled-statement cache, result wrapping, events) cost more CPU than the query (an
    in-process measurement: 460 µs per page's read before, 250 µs after, with the pool change)."""
    raw = await conn.get_raw_connection()
    driver: psycopg.AsyncConnection[tuple[str, str, str | None]] = raw.driver_connection  # type: ignore[assignment]
    cursor = await driver.execute(_READ, (customer_id,), prepare=True)
    return await cursor.fetchall()


_BODIES_FOR_UPDATE = text("""
SELECT s.customer_id, s.section, s.body FROM customer_view_sections s
JOIN unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
  ON s.customer_id = v.customer_id AND s.section = v.section
ORDER BY s.customer_id, s.section
FOR UPDATE OF s
""")


async def bodies_for_update(db: Executor, pairs: Iterable[Pair]) -> dict[Pair, str]:
    """The stored JSON of these sections, locked until the transaction ends (those not stored
    are missing)."""
    unique = sorted(set(pairs), key=lambda p: (str(p[0]), p[1]))
    if not unique:
        return {}
    rows = await db.execute(_BODIES_FOR_UPDATE, {"ids": [p[0] for p in unique], "sections": [p[1] for p in unique]})
    return {(r[0], r[1]): r[2] for r in rows}


_PROFILE_EXTRAS = text(
    "SELECT customer_id, extras FROM customer_view_sections "
    "WHERE section = 'profile' AND customer_id = ANY(CAST(:ids AS uuid[]))"
)


async def profile_extras(db: Executor, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The stored profiles' deletion fields (``extras``) of these customers (those stored)."""
    ids = sorted(set(customer_ids), key=str)
    if not ids:
        return {}
    return {r[0]: r[1] for r in await db.execute(_PROFILE_EXTRAS, {"ids": ids})}


async def upsert(db: Executor, sections: Sequence[StoredSection]) -> None:
    """One statement: each section replaces an older read of it (never a newer one); nothing of a
    tombstoned customer is written. One row per (customer, section) in ``sections``."""
    if not sections:
        return
    latest: dict[Pair, StoredSection] = {}
    for s in sections:
        kept = latest.get((s.customer_id, s.section))
        if kept is None or kept.as_of <= s.as_of:
            latest[(s.customer_id, s.section)] = s
    rows = sorted(latest.values(), key=lambda s: (str(s.customer_id), s.section))  # one lock order
    await db.execute(
        _UPSERT.statement, _UPSERT.parameters([(s.customer_id, s.section, s.body, s.extras, s.as_of) for s in rows])
    )


async def queue(db: Executor, pairs: Iterable[Pair], due_at: datetime, error: str | None = None) -> None:
    """Read these sections again at ``due_at`` (or earlier, if already due earlier)."""
    unique = sorted(set(pairs), key=lambda p: (str(p[0]), p[1]))
    if unique:
        await db.execute(
            _QUEUE,
            {"ids": [p[0] for p in unique], "sections": [p[1] for p in unique], "due_at": due_at, "error": error},
        )


async def lease(db: Executor, now: datetime, lease_until: datetime, limit: int) -> list[Leased]:
    """Take up to ``limit`` due sections (their due time moves to ``lease_until`` meanwhile, so a
    crashed reader's sections come back then). Safe in several replicas at once."""
    rows = await db.execute(_LEASE, {"now": now, "lease_until": lease_until, "limit": limit})
    return [Leased(r[0], r[1], r[2], r[3]) for r in rows]


async def done(db: Executor, pairs: Sequence[Pair], lease_until: datetime) -> None:
    """Leased sections read: no longer pending (unless queued again meanwhile)."""
    if pairs:
        await db.execute(
            _DONE, {"ids": [p[0] for p in pairs], "sections": [p[1] for p in pairs], "lease_until": lease_until}
        )


async def failed(db: Executor, failures: Sequence[tuple[Pair, str, datetime]], lease_until: datetime) -> None:
    """Leased sections whose service could not answer (pair, why, when to try again)."""
    if failures:
        await db.execute(
            _FAILED,
            {
                "ids": [p[0] for p, _, _ in failures],
                "sections": [p[1] for p, _, _ in failures],
                "errors": [e for _, e, _ in failures],
                "dues": [d for _, _, d in failures],
                "lease_until": lease_until,
            },
        )


async def forget(db: Executor, customer_ids: Iterable[uuid.UUID], at: datetime) -> None:
    """The customers' views go, and a tombstone keeps any later read from writing them back."""
    ids = sorted(set(customer_ids), key=str)
    if not ids:
        return
    await db.execute(
        text(
            "INSERT INTO customer_view_tombstones (customer_id, at) SELECT id, :at FROM unnest(CAST(:ids AS uuid[])) "
            "AS id ON CONFLICT (customer_id) DO NOTHING"
        ),
        {"ids": ids, "at": at},
    )
    await db.execute(
        text("DELETE FROM customer_view_sections WHERE customer_id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
    )
    await db.execute(
        text("DELETE FROM customer_view_pending WHERE customer_id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
    )


async def sweep_forgotten(db: Executor) -> None:
    """Rows of a tombstoned customer written by a transaction that overlapped the forgetting one
    (it could not see the tombstone yet) go too."""
    await db.execute(
        text(
            "DELETE FROM customer_view_sections s USING customer_view_tombstones t "
            "WHERE t.at > now() - interval '5 minutes' AND s.customer_id = t.customer_id"
        )
    )


async def is_forgotten(db: Executor, customer_id: uuid.UUID) -> bool:
    row = await db.execute(text("SELECT 1 FROM customer_view_tombstones WHERE customer_id = :id"), {"id": customer_id})
    return row.first() is not None


async def all_sections(db: Executor) -> list[StoredSection]:
    """Every stored section (tests and the rebuild's comparison)."""
    rows = await db.execute(text("SELECT customer_id, section, body, extras, as_of FROM customer_view_sections"))
    return [StoredSection(r[0], r[1], r[2], r[3], r[4]) for r in rows]
