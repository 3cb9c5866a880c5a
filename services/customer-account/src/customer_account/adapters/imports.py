"""A customer import's batch in PostgreSQL: the planned rows are COPYed into a staging table, then two
set-based statements write the customers, their activity entries and their events (UserRegistered,
CustomerImported), with no Python object per entry or event: building those in Python (an event, its
JSON and headers, a COPY line each) took a third of a 100,000-row import's CPU.

Customers go from the staging table with ``ON CONFLICT DO NOTHING``, so the unique e-mail index still
decides: an address registered meanwhile by someone else is skipped (the caller reports the row),
not a failed batch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customer_imports, import_row_orders
from customer_account.domain.actors import Actor
from customer_account.domain.customer import Customer
from customer_account.domain.imports import CheckedRow, RowError, RowOrder, StoredImport
from trainyard_common.contracts import CustomerImported, CustomerImportedV2, UserRegistered, UserRegisteredV2
from trainyard_common.db.batches import json_array
from trainyard_common.db.bulk import copy_records, custom_plans
from trainyard_common.messaging.outbox import SqlEvent, insert_outbox_sql, iso8601_sql
from trainyard_common.vocabulary import RegistrationSource

STAGING = "customer_import_rows"
_COLUMNS = (
    "row_number", "customer_id", "new", "first_name", "last_name", "email", "organization", "password_hash",
    "status", "created_at", "password_change_required", "price_id", "cost",
)  # fmt: skip
_CREATE_STAGING = text(
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (row_number int, customer_id uuid, new bool, first_name text, "
    "last_name text, email text, organization text, password_hash text, status text, created_at timestamptz, "
    "password_change_required bool, price_id uuid, cost text) ON COMMIT DELETE ROWS"
)
_EMPTY_STAGING = text(f"TRUNCATE {STAGING}")
# The session has staged rows: only then is the table emptied before a batch. A transaction finds it
# empty (ON COMMIT DELETE ROWS), and a TRUNCATE gives the table a new file, after which PostgreSQL
# plans every statement reading it again. Writing 10 customers per transaction (bench/latency.py's
# writers, one after another), PostgreSQL spent 500-680 µs per customer with the TRUNCATE, 290-320
# without it.
_STAGED = "customer_import_staged"
_EXISTING = text(
    "SELECT c.email, c.id FROM json_array_elements_text(CAST(:emails AS json)) AS e(email) "
    "JOIN customers c ON c.email = e.email"
)
_CUSTOMER = "first_name, last_name, email, organization, password_hash, status, created_at, password_change_required"
_INSERT_CUSTOMERS = text(
    f"INSERT INTO customers (id, {_CUSTOMER}) SELECT customer_id, {_CUSTOMER} FROM {STAGING} "  # noqa: S608
    "WHERE new ORDER BY row_number ON CONFLICT (email) DO NOTHING RETURNING id"
)

# The events of an applied row (``r``), as ``registered_event`` (and its ``version_1()``) and
# ``CustomerImportedV2.sealing(…)`` build them in Python: a test holds them to the contracts and the
# committed JSON Schemas.
IMPORT_EVENTS = (
    SqlEvent(  # deprecated: the personal fields empty (issue 16)
        UserRegistered,
        "json_build_object('customer_id', r.customer_id, 'email', '', 'first_name', '', "
        "'last_name', '', 'organization', '', "
        f"'source', '{RegistrationSource.IMPORT.value}', 'registered_at', {iso8601_sql('r.created_at')})",
        when="r.new",
    ),
    SqlEvent(  # the same, its personal fields sealed in Python (``s``: the batch's ``:sealed`` parameter)
        UserRegisteredV2,
        "json_build_object('customer_id', r.customer_id, 'email', s.email, 'first_name', s.first_name, "
        "'last_name', s.last_name, 'organization', s.organization, "
        f"'source', '{RegistrationSource.IMPORT.value}', 'registered_at', {iso8601_sql('r.created_at')})",
        when="r.new",
    ),
    SqlEvent(  # deprecated: the e-mail empty
        CustomerImported,
        "json_build_object('import_id', CAST(:import_id AS uuid), 'row_number', r.row_number, "
        "'customer_id', r.customer_id, 'email', '', 'price_id', r.price_id, 'cost', r.cost, "
        "'currency', CASE WHEN r.cost IS NOT NULL THEN CAST(:currency AS text) END, "
        f"'imported_at', (SELECT {iso8601_sql('CAST(:at AS timestamptz)')}))",
        when="r.price_id IS NOT NULL",
    ),
    SqlEvent(
        CustomerImportedV2,
        "json_build_object('import_id', CAST(:import_id AS uuid), 'row_number', r.row_number, "
        "'customer_id', r.customer_id, 'email', s.email, 'price_id', r.price_id, 'cost', r.cost, "
        "'currency', CASE WHEN r.cost IS NOT NULL THEN CAST(:currency AS text) END, "
        f"'imported_at', (SELECT {iso8601_sql('CAST(:at AS timestamptz)')}))",
        when="r.price_id IS NOT NULL",
    ),
)

# Rows whose customer was not lost to a concurrent registration: the created customers' activity
# entries, then every applied row's events, in row order.
_RECORD = text(
    f"WITH r AS (SELECT * FROM {STAGING} WHERE customer_id <> ALL(CAST(:lost AS uuid[]))), "  # noqa: S608
    "activities AS (INSERT INTO activity_log (customer_id, at, type, actor_kind, actor_name, impersonated, details) "
    "SELECT customer_id, :at, 'created', :actor_kind, :actor_name, :impersonated, "
    "jsonb_build_object('channel', 'import', 'import_id', CAST(:import_id AS text), 'row', row_number) "
    "FROM r WHERE new ORDER BY row_number), "
    "s AS (SELECT * FROM json_to_recordset(CAST(:sealed AS json)) "
    "AS x(row_number int, email text, first_name text, last_name text, organization text)) "
    + insert_outbox_sql("r LEFT JOIN s USING (row_number)", IMPORT_EVENTS, key="r.customer_id", order="r.row_number")
)


class SealedRow(NamedTuple):
    """A staged row's personal fields sealed with its customer's key (for the version 2 events)."""

    row_number: int
    email: str
    first_name: str | None
    last_name: str | None
    organization: str | None


async def existing_customers(session: AsyncSession, emails: Collection[str]) -> dict[str, uuid.UUID]:
    """The customers already registered under ``emails`` (one JSON parameter, not one per address)."""
    if not emails:
        return {}
    async with custom_plans(session):  # the table grows by 1,000 rows a batch: a cached plan goes stale
        rows = await session.execute(_EXISTING, {"emails": json_array(emails)})
    return {row.email: row.id for row in rows}


async def stage_rows(session: AsyncSession, planned: Iterable[tuple[CheckedRow, uuid.UUID, Customer | None]]) -> None:
    """Each planned row: the checked row, its customer's id, and the customer it creates (None: it adds a
    product to an existing one)."""
    await session.execute(_CREATE_STAGING)
    if session.info.get(_STAGED):  # the import is one transaction: the previous batch's rows
        await session.execute(_EMPTY_STAGING)
    session.info[_STAGED] = True
    await copy_records(session, STAGING, _COLUMNS, (_staged(*p) for p in planned))


async def insert_staged_customers(session: AsyncSession) -> set[uuid.UUID]:
    """The staged new customers; returns the ids inserted (an e-mail taken meanwhile is skipped)."""
    return set((await session.execute(_INSERT_CUSTOMERS)).scalars())


async def record_staged(
    session: AsyncSession,
    lost: Collection[uuid.UUID],
    *,
    import_id: uuid.UUID,
    at: datetime,
    actor: Actor,
    currency: str,
    outbox: Mapping[str, str],
    sealed: Sequence[SealedRow] = (),
) -> None:
    """Activity entries of the created customers and events of every staged row, except those of the
    ``lost`` customers; ``outbox``: the outbox parameters of ``IMPORT_EVENTS``."""
    params: dict[str, Any] = {
        "lost": list(lost),
        "import_id": import_id,
        "at": at,
        "currency": currency,
        "actor_kind": actor.kind.value,
        "actor_name": actor.name,
        "impersonated": actor.impersonated,
        "sealed": json.dumps([row._asdict() for row in sealed]),
    }
    await session.execute(_RECORD, params | dict(outbox))


class ImportBatches:
    """An import's batches in the unit of work's transaction (the functions above, on its session);
    ``outbox`` gives the outbox parameters of events written in SQL (``db.bulk.outbox_params``)."""

    def __init__(self, session: AsyncSession, outbox: Callable[[Sequence[SqlEvent]], Mapping[str, str]]) -> None:
        self._session = session
        self._outbox = outbox

    async def existing(self, emails: Collection[str]) -> dict[str, uuid.UUID]:
        return await existing_customers(self._session, emails)

    async def stage(self, planned: Iterable[tuple[CheckedRow, uuid.UUID, Customer | None]]) -> None:
        await stage_rows(self._session, planned)

    async def insert_customers(self) -> set[uuid.UUID]:
        return await insert_staged_customers(self._session)

    async def record(
        self,
        lost: Collection[uuid.UUID],
        *,
        import_id: uuid.UUID,
        at: datetime,
        actor: Actor,
        currency: str,
        sealed: Sequence[SealedRow] = (),
    ) -> None:
        outbox = self._outbox(IMPORT_EVENTS)
        await record_staged(
            self._session,
            lost,
            import_id=import_id,
            at=at,
            actor=actor,
            currency=currency,
            outbox=outbox,
            sealed=sealed,
        )


def _staged(row: CheckedRow, customer_id: uuid.UUID, new: Customer | None) -> tuple[Any, ...]:
    cost = format(row.cost, "f") if row.cost is not None else None  # as the contract's Money writes it
    if new is None:
        return (row.number, customer_id, False, None, None, row.email, None, None, None, None, None, row.price_id, cost)
    return (
        row.number, customer_id, True, new.first_name, new.last_name, new.email, new.organization,
        new.password_hash, new.status.value, new.created_at, new.password_change_required, row.price_id, cost,
    )  # fmt: skip


class ImportResults:
    """Each import's result, and commerce-access's settlement of its rows with a Price ID."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, stored: StoredImport) -> None:
        errors = [{"row": e.number, "field": e.field, "reason": e.reason} for e in stored.errors]
        await self._session.execute(
            insert(customer_imports).values(
                id=stored.import_id,
                imported_at=stored.imported_at,
                created=stored.created,
                imported_rows=stored.imported_rows,
                errors=errors,
                orders_expected=stored.orders_expected,
            )
        )

    async def settle(self, import_id: uuid.UUID, price_id: uuid.UUID, order: RowOrder) -> None:
        """A redelivered or repeated settlement keeps the first."""
        await self._session.execute(
            insert(import_row_orders)
            .values(
                import_id=import_id,
                row_number=order.row_number,
                price_id=price_id,
                outcome=order.outcome,
                order_id=order.order_id,
                reason=order.reason,
                settled_at=order.settled_at,
            )
            .on_conflict_do_nothing()
        )

    async def get(self, import_id: uuid.UUID) -> StoredImport | None:
        row = (await self._session.execute(select(customer_imports).where(customer_imports.c.id == import_id))).first()
        if row is None:
            return None
        query = (
            select(import_row_orders)
            .where(import_row_orders.c.import_id == import_id)
            .order_by(import_row_orders.c.row_number)
        )
        orders = [
            RowOrder(o.row_number, o.outcome, o.order_id, o.reason, o.settled_at, o.price_id)
            for o in await self._session.execute(query)
        ]
        errors = [RowError(e["row"], e.get("field"), e["reason"]) for e in row.errors]
        return StoredImport(
            row.id, row.imported_at, row.created, row.imported_rows, errors, row.orders_expected, orders
        )
