"""The customer view's tables and the statements on them (``service_layer/customer_views.py``).

* ``customer_view_sections``: one row per (customer, section), the section's JSON as the page
  shows it (``body``) and, for the profile, the page's deletion fields (``extras``; for orders and
  access kept whole, what they say against a deletion); one indexed read of a customer's rows.
* ``customer_view_items``: the rows of a listed section (orders, access: ``tail`` set), one per
  listed row; the page's section is ``body`` (its head), its first rows newest first, then
  ``tail`` (``total`` and ``as_of``), joined by the page's one statement. An order adds or
  replaces a row here instead of rewriting its customer's whole history. The section's row says
  what is held (``held`` rows, the oldest listed ``oldest_at``/``oldest_id``), all an event's
  rows need to be placed; held rows beyond twice the page are pruned now and then.
* ``customer_view_pending``: sections to read again (their service could not answer, or a
  dependent section's second read), due at ``due_at``.
* ``customer_view_tombstones``: erased or deleted customers, whose view is never written again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from sqlalchemy import Boolean, Column, DateTime, Index, Integer, Table, Text, TextClause, Uuid, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.adapters.tables import metadata
from gateway.domain.customer_view import LISTINGS, HeldPage, Rank
from trainyard_common.db.batches import InsertRows, last_per_key

customer_view_sections = Table(
    "customer_view_sections",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("section", Text, primary_key=True),
    Column("body", Text, nullable=False),
    Column("extras", Text),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("tail", Text),
    Column("total", Integer),
    Column("held", Integer),
    Column("oldest_at", DateTime(timezone=True)),
    Column("oldest_id", Uuid),
)

customer_view_items = Table(
    "customer_view_items",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("section", Text, primary_key=True),
    Column("item_id", Uuid, primary_key=True),
    Column("ranked_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Column("blocks", Boolean, nullable=False),
    Index("ix_customer_view_items_listed", "customer_id", "section", text("ranked_at DESC"), "item_id"),
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
class StoredItem:
    """One row of a listed section: its JSON, where it is listed, and whether it blocks a deletion."""

    item_id: str
    ranked_at: datetime
    body: str
    blocks: bool


@dataclass(frozen=True, slots=True)
class StoredSection:
    """A section as stored: ``body`` whole (``tail`` None), or listed: ``body`` the JSON before its
    rows, ``tail`` after them, ``items`` its rows, replacing those stored (``replaces_items``: a
    read of the whole list) or taken in among them (an event's rows; the page shows its first),
    and then ``held`` rows in all, the oldest listed ``oldest``."""

    customer_id: uuid.UUID
    section: str
    body: str
    extras: str | None
    as_of: datetime
    tail: str | None = None
    total: int | None = None
    items: tuple[StoredItem, ...] = ()
    replaces_items: bool = True
    held: int | None = None
    oldest: Rank | None = None


@dataclass(frozen=True, slots=True)
class Leased:
    customer_id: uuid.UUID
    section: str
    due_at: datetime
    attempts: int


_PAGE_SIZES = " ".join(f"WHEN '{name}' THEN {listing.limit}" for name, listing in LISTINGS.items())
_PAGE_LIMIT = "CASE {section} " + _PAGE_SIZES + " END"
"""A listed section's page size, SQL over the column ``{section}`` names (the domain's own numbers)."""

_ASSEMBLED = f"""
CASE WHEN s.tail IS NULL THEN s.body ELSE s.body || COALESCE(shown.bodies, '') || s.tail END, s.extras,
COALESCE(shown.blocks, false)
FROM customer_view_sections s
LEFT JOIN LATERAL (
    SELECT string_agg(p.body, ',' ORDER BY p.ranked_at DESC, p.item_id) AS bodies, bool_or(p.blocks) AS blocks
    FROM (SELECT i.body, i.ranked_at, i.item_id, i.blocks FROM customer_view_items i
          WHERE s.tail IS NOT NULL AND i.customer_id = s.customer_id AND i.section = s.section
          ORDER BY i.ranked_at DESC, i.item_id LIMIT {_PAGE_LIMIT.format(section="s.section")}) p
) shown ON true
"""  # noqa: S608 (no value is formatted in: the page sizes are the domain's constants)
"""A section's JSON as the page shows it (a listed one: head, its page's rows, tail), its
``extras``, and whether a row on its page blocks a deletion."""

_READ = f"SELECT s.section, {_ASSEMBLED} WHERE s.customer_id = %s"

# The rows travel as one JSON text (``InsertRows``): as ``text[]`` parameters psycopg quoted each
# section's JSON with a regex, a third of the gateway's CPU under checkout load (py-spy).
_UPSERT = InsertRows(
    customer_view_sections,
    ["customer_id", "section", "body", "extras", "as_of", "tail", "total", "held", "oldest_at", "oldest_id"],
    conflict=["customer_id", "section"],
    update=["body", "extras", "as_of", "tail", "total", "held", "oldest_at", "oldest_id"],
    where="customer_view_sections.as_of <= excluded.as_of",  # never a newer read replaced by an older one
    rows_where="NOT EXISTS (SELECT 1 FROM customer_view_tombstones t WHERE t.customer_id = batch.customer_id)",
    returning=["customer_id", "section"],
)

_UPSERT_ITEMS = InsertRows(
    customer_view_items,
    ["customer_id", "section", "item_id", "ranked_at", "body", "blocks"],
    conflict=["customer_id", "section", "item_id"],
    update=["ranked_at", "body", "blocks"],
)

_DROP_ITEMS = text("""
DELETE FROM customer_view_items i
USING unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
WHERE i.customer_id = v.customer_id AND i.section = v.section
""")

PRUNE_AT = 2
"""Held rows are pruned to a page once they are this many pages."""

_PRUNE_ITEMS = text(f"""
WITH ranked AS (
    SELECT i.customer_id, i.section, i.item_id, i.ranked_at,
           row_number() OVER (PARTITION BY i.customer_id, i.section ORDER BY i.ranked_at DESC, i.item_id) AS n,
           {_PAGE_LIMIT.format(section="i.section")} AS page_size
    FROM customer_view_items i
    JOIN unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
      ON i.customer_id = v.customer_id AND i.section = v.section
), pruned AS (
    DELETE FROM customer_view_items i USING ranked r
    WHERE r.n > r.page_size AND i.customer_id = r.customer_id AND i.section = r.section AND i.item_id = r.item_id
)
UPDATE customer_view_sections s SET held = r.n, oldest_at = r.ranked_at, oldest_id = r.item_id
FROM ranked r
WHERE r.n = r.page_size AND s.customer_id = r.customer_id AND s.section = r.section
""")  # noqa: S608 (see _ASSEMBLED)
"""The held rows beyond a page go, as if the section had been read whole then."""

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


PageRow = tuple[str, str, str | None, bool]
"""(section, its JSON as the page shows it, its ``extras``, a row on its page blocks a deletion)."""


async def read(conn: AsyncConnection, customer_id: uuid.UUID) -> list[PageRow]:
    """The customer's stored sections.

    The page's one statement goes to the driver's connection, prepared: SQLAlchemy's execution
    path (compiled-statement cache, result wrapping, events) cost more CPU than the query (an
    in-process measurement: 460 µs per page's read before, 250 µs after, with the pool change)."""
    raw = await conn.get_raw_connection()
    driver: psycopg.AsyncConnection[PageRow] = raw.driver_connection  # type: ignore[assignment]
    cursor = await driver.execute(_READ, (customer_id,), prepare=True)
    return await cursor.fetchall()


_PAGES_FOR_UPDATE = text("""
SELECT s.customer_id, s.section, s.tail IS NOT NULL, s.total, s.held, s.oldest_at, s.oldest_id
FROM customer_view_sections s
JOIN unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[])) AS v(customer_id, section)
  ON s.customer_id = v.customer_id AND s.section = v.section
ORDER BY s.customer_id, s.section
FOR UPDATE OF s
""")

_HELD_ITEMS = text("""
SELECT i.customer_id, i.section, i.item_id FROM customer_view_items i
JOIN unnest(CAST(:ids AS uuid[]), CAST(:sections AS text[]), CAST(:items AS uuid[])) AS v(customer_id, section, item_id)
  ON i.customer_id = v.customer_id AND i.section = v.section AND i.item_id = v.item_id
""")


async def pages_for_update(db: Executor, named: Mapping[Pair, Iterable[object]]) -> dict[Pair, HeldPage | None]:
    """What is held of these listed sections (for the rows ``named``: which are held), locked
    until the transaction ends; None for a section stored whole. Those not stored are missing."""
    unique = sorted(named, key=lambda p: (str(p[0]), p[1]))
    if not unique:
        return {}
    rows = await db.execute(_PAGES_FOR_UPDATE, {"ids": [p[0] for p in unique], "sections": [p[1] for p in unique]})
    stored = {(r[0], r[1]): r for r in rows}
    listed = [p for p in unique if p in stored and stored[p][2]]
    held = await _held_items(db, [(p, str(item)) for p in listed for item in named[p]])
    pages: dict[Pair, HeldPage | None] = dict.fromkeys(stored)
    for pair in listed:
        total, count, oldest_at, oldest_id = stored[pair][3:]
        oldest = None if oldest_at is None else Rank(oldest_at, str(oldest_id))
        pages[pair] = HeldPage(frozenset(held.get(pair, ())), oldest, count or 0, total or 0)
    return pages


async def _held_items(db: Executor, asked: Sequence[tuple[Pair, str]]) -> dict[Pair, set[str]]:
    """Of these (section, row id), the rows held, by section."""
    held: dict[Pair, set[str]] = {}
    if asked:
        params = {"ids": [p[0] for p, _ in asked], "sections": [p[1] for p, _ in asked], "items": [i for _, i in asked]}
        for r in await db.execute(_HELD_ITEMS, params):
            held.setdefault((r[0], r[1]), set()).add(str(r[2]))
    return held


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
    """Each section replaces an older read of it (never a newer one); nothing of a tombstoned
    customer is written. A written listed section's rows replace those stored, or are taken in
    among them (the page then keeps its first); a section written whole drops any rows."""
    if not sections:
        return
    latest: dict[Pair, StoredSection] = {}
    for s in sections:
        kept = latest.get((s.customer_id, s.section))
        if kept is None or kept.as_of <= s.as_of:
            latest[(s.customer_id, s.section)] = s
    rows = sorted(latest.values(), key=lambda s: (str(s.customer_id), s.section))  # one lock order
    written = await db.execute(_UPSERT.statement, _UPSERT.parameters([_section_row(s) for s in rows]))
    stored = [latest[(r[0], r[1])] for r in written]
    await _each_pair(db, _DROP_ITEMS, [s for s in stored if s.replaces_items and s.section in LISTINGS])
    items = [(s.customer_id, s.section, i.item_id, i.ranked_at, i.body, i.blocks) for s in stored for i in s.items]
    if items:
        ordered = last_per_key(items, key=lambda i: (str(i[0]), i[1], i[2]))
        await db.execute(_UPSERT_ITEMS.statement, _UPSERT_ITEMS.parameters(ordered))
    overgrown = [s for s in stored if s.held is not None and s.held > PRUNE_AT * LISTINGS[s.section].limit]
    await _each_pair(db, _PRUNE_ITEMS, overgrown)


def _section_row(s: StoredSection) -> tuple[object, ...]:
    oldest_at, oldest_id = (None, None) if s.oldest is None else s.oldest
    return (s.customer_id, s.section, s.body, s.extras, s.as_of, s.tail, s.total, s.held, oldest_at, oldest_id)


async def _each_pair(db: Executor, statement: TextClause, sections: Sequence[StoredSection]) -> None:
    if sections:
        pairs = {"ids": [s.customer_id for s in sections], "sections": [s.section for s in sections]}
        await db.execute(statement, pairs)


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
    for table in ("customer_view_sections", "customer_view_items"):
        await db.execute(text(f"DELETE FROM {table} WHERE customer_id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids})  # noqa: S608
    await db.execute(
        text("DELETE FROM customer_view_pending WHERE customer_id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
    )


async def sweep_forgotten(db: Executor) -> None:
    """Rows of a tombstoned customer written by a transaction that overlapped the forgetting one
    (it could not see the tombstone yet) go too."""
    for table in ("customer_view_sections", "customer_view_items"):
        await db.execute(
            text(
                f"DELETE FROM {table} s USING customer_view_tombstones t "  # noqa: S608 (the view's own tables)
                "WHERE t.at > now() - interval '5 minutes' AND s.customer_id = t.customer_id"
            )
        )


async def is_forgotten(db: Executor, customer_id: uuid.UUID) -> bool:
    row = await db.execute(text("SELECT 1 FROM customer_view_tombstones WHERE customer_id = :id"), {"id": customer_id})
    return row.first() is not None


async def all_sections(db: Executor) -> list[StoredSection]:
    """Every stored section, as the page shows it (tests and the rebuild's comparison)."""
    rows = await db.execute(text(f"SELECT s.customer_id, s.section, s.as_of, {_ASSEMBLED}"))
    return [StoredSection(r[0], r[1], r[3], r[4], r[2]) for r in rows]
