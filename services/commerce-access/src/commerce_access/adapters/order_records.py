"""Orders, import failures and deleted customers in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce_access.adapters.access_records import access_values
from commerce_access.adapters.catalogue import training_item_columns, training_item_of
from commerce_access.adapters.code_records import code_values
from commerce_access.adapters.tables import deleted_customers, deletion_decisions, import_failures, orders
from commerce_access.domain.access import Access
from commerce_access.domain.codes import RegistrationCode
from commerce_access.domain.orders import Completion, Order, Source
from commerce_access.domain.products import Price, Product
from trainyard_common.db.batches import any_of
from trainyard_common.db.counting import total_from_page
from trainyard_common.db.round_trip import committed_alone
from trainyard_common.messaging.outbox import OutboxRow


def order_values(order: Order) -> dict[str, Any]:
    """The ``orders`` row of ``order``, by column."""
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "source": order.source.value,
        "idempotency_key": order.idempotency_key,
        "product_id": order.product_id,
        "product_name": order.product_name,
        "price_id": order.price_id,
        "quantity": order.quantity,
        "unit_amount": order.unit_amount,
        "currency": order.currency,
        "access_days": order.access_days,
        "completed_at": order.completed_at,
        "impersonated_by": order.impersonated_by,
        **training_item_columns(order.training_item),
    }


def _order(row: Any) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        source=Source(row.source),
        idempotency_key=row.idempotency_key,
        product_id=row.product_id,
        product_name=row.product_name,
        training_item=training_item_of(row),
        price_id=row.price_id,
        quantity=row.quantity,
        unit_amount=row.unit_amount,
        currency=row.currency,
        access_days=row.access_days,
        completed_at=row.completed_at,
        impersonated_by=row.impersonated_by,
    )


# Built once: the customer page's orders section runs it on every read.
_OF_CUSTOMER = (
    select(orders)
    .where(orders.c.customer_id == bindparam("customer_id"))
    .order_by(orders.c.completed_at.desc(), orders.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_AMONG = select(orders).where(any_of(orders.c.id, "ids")).order_by(orders.c.completed_at.desc(), orders.c.id)

_DELETION_LOCKS = 1414  # the first key of the two-key advisory locks on one customer's deletion
# In the driver's own placeholders (``exec_driver_sql``), as the checkout's statement is written.
# The shared lock is taken with the deleted-customer check, by ``deleted_under_lock`` (migration 0009).
_DELETED_UNDER_LOCK = "SELECT deleted_under_lock(%(ns)s, %(customer)s)"
_EXCLUSIVE_LOCK = "SELECT pg_advisory_xact_lock(%(ns)s, hashtext(%(id)s))"


def _deletion_lock(customer_id: uuid.UUID) -> dict[str, object]:
    """The parameters of the customer's deletion lock (shared or exclusive)."""
    return {"ns": _DELETION_LOCKS, "id": str(customer_id)}


# ------------------------------------------------------------------ a checkout in one round trip
#
# A checkout used to make seven round trips (the deletion lock, the deleted-customer check, the
# price, the order, the access, the outbox, then COMMIT), each through SQLAlchemy and psycopg.
# It is now one statement, ``_COMPLETE``, a transaction of its own (``complete_and_commit``,
# ``db.round_trip``), built from the price as this process last read it
# (``ProductRepository.remembered_price``). ``_COMPLETE`` takes the customer's shared deletion
# lock and writes nothing unless the customer was not deleted (read once the lock is held:
# ``deleted_under_lock``, migration 0009, see ``is_deleted``), the price and its product are
# still as read (else ``Completion.STALE``: read again, try again) and the idempotency key is new;
# then the order, its access or codes and its outbox rows. The rows travel as JSON (orjson in C,
# taken apart by ``json_populate_record``), one parameter each. An assignment runs ``_COMPLETE``
# in its unit of work's transaction after ``_GATE`` (``add_completed``; the lock taken again is
# the same shared lock, held once more until the transaction ends).
#
# It runs on the driver's own placeholders (psycopg's ``%(name)s``): on the driver, and through
# SQLAlchemy's ``exec_driver_sql``.

# The columns ``order_values`` and ``access_values`` fill (a column they do not name keeps its default).
_ORDER_COLUMNS = (
    "id, customer_id, source, idempotency_key, product_id, product_name, training_item_type, training_item_id, "
    "price_id, quantity, unit_amount, currency, access_days, completed_at, impersonated_by"
)
_ACCESS_COLUMNS = (
    "id, customer_id, product_id, product_name, training_item_type, training_item_id, order_id, "
    "registration_code, starts_on, ends_on, granted_at, revoked_at, revoke_reason, expiry_noticed_for"
)
_CODE_COLUMNS = "code, order_id, purchaser_id, product_id, created_at"

_GATE = text(
    "SELECT pg_advisory_xact_lock_shared(:ns, hashtext(:customer_text)) AS locked, "
    "EXISTS (SELECT FROM deleted_customers WHERE customer_id = CAST(:customer AS uuid)) AS deleted, "
    "p.id, p.name, p.training_item_type, p.training_item_id, p.access_days, p.created_at, "
    "pr.amount, pr.currency "
    "FROM (SELECT 1) AS one "
    "LEFT JOIN (prices AS pr JOIN products AS p ON p.id = pr.product_id) ON pr.price_id = CAST(:price AS uuid)"
)

# A product's training item never changes (``ProductRepository.update``): its name and access
# duration may, a price not at all; the guard compares what an order copies.
_COMPLETE = f"""
WITH gate AS (
    SELECT deleted_under_lock(%(ns)s, %(customer)s) AS deleted,
           EXISTS (
               SELECT FROM prices AS pr JOIN products AS p ON p.id = pr.product_id
               WHERE pr.price_id = %(price)s AND p.id = %(product)s
                 AND pr.amount = %(amount)s AND pr.currency = %(currency)s AND p.name = %(name)s
                 AND p.access_days IS NOT DISTINCT FROM CAST(%(access_days)s AS integer)
           ) AS current
), placed AS (
    INSERT INTO orders ({_ORDER_COLUMNS})
    SELECT {_ORDER_COLUMNS} FROM json_populate_record(NULL::orders, CAST(%(order)s AS json))
    WHERE (SELECT current AND NOT deleted FROM gate)
    ON CONFLICT DO NOTHING
    RETURNING id
), granted AS (
    INSERT INTO access ({_ACCESS_COLUMNS})
    SELECT {_ACCESS_COLUMNS} FROM json_populate_recordset(NULL::access, CAST(%(access)s AS json))
    WHERE EXISTS (SELECT FROM placed)
), issued AS (
    INSERT INTO registration_codes ({_CODE_COLUMNS})
    SELECT {_CODE_COLUMNS} FROM json_populate_recordset(NULL::registration_codes, CAST(%(codes)s AS json))
    WHERE EXISTS (SELECT FROM placed)
), announced AS (
    INSERT INTO outbox (topic, message_key, payload, headers)
    SELECT r->>0, r->>1, r->>2, (r->>3)::jsonb
    FROM json_array_elements(CAST(%(events)s AS json)) WITH ORDINALITY AS t(r, n)
    WHERE EXISTS (SELECT FROM placed)
    ORDER BY n
)
SELECT (SELECT deleted FROM gate) AS deleted, (SELECT current FROM gate) AS current,
       EXISTS (SELECT FROM placed) AS placed
"""  # noqa: S608 (column names from the table definitions, values bound)


def _completion(row: Sequence[Any]) -> Completion:
    deleted, current, placed = row
    if deleted:
        return Completion.DELETED
    if not current:
        return Completion.STALE
    return Completion.PLACED if placed else Completion.KNOWN


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _json(value: object) -> str:
    return orjson.dumps(value, default=_json_default).decode()


@dataclass(frozen=True, slots=True)
class Completing:
    """An order completed at once and what is written with it: its access (one seat) or its codes
    (several), its events as outbox rows, and the price and product it was built from (written
    only if they are still so)."""

    order: Order
    granted: Sequence[Access]
    codes: Sequence[RegistrationCode]
    events: Sequence[OutboxRow]
    priced: tuple[Product, Price]

    def parameters(self) -> dict[str, Any]:
        """``_COMPLETE``'s values."""
        product, price = self.priced
        return {
            "customer": self.order.customer_id,
            "price": price.price_id,
            "product": product.id,
            "amount": price.amount,
            "currency": price.currency,
            "name": product.name,
            "access_days": product.access_days,
            "order": _json(order_values(self.order)),
            "access": _json([access_values(a) for a in self.granted]),
            "codes": _json([code_values(c) for c in self.codes]),
            "events": _json(self.events),
            "ns": _DELETION_LOCKS,
        }


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_unless_known(self, order: Order) -> bool:
        """Insert the order; False when this customer already has one with its key.

        ON CONFLICT waits for a concurrent insert of the same key to commit, so of two parallel
        retries exactly one inserts and the other finds the first's order.
        """
        inserted = await self._session.execute(
            pg_insert(orders).values(**order_values(order)).on_conflict_do_nothing().returning(orders.c.id)
        )
        return inserted.first() is not None

    async def checkout_gate(
        self, customer_id: uuid.UUID, price_id: uuid.UUID
    ) -> tuple[bool, tuple[Product, Price] | None]:
        """One statement: takes the customer's shared deletion lock (``is_deleted``) and answers
        whether the customer was deleted and the price with its product as they are now.

        The deleted flag comes from the statement's snapshot, taken before the lock was granted:
        True is final (a deletion is never undone); False may be stale, so ``add_completed`` checks
        again (and a refusal that depends on it asks ``is_deleted``)."""
        params = {"ns": _DELETION_LOCKS, "customer_text": str(customer_id), "customer": customer_id, "price": price_id}
        row = (await self._session.execute(_GATE, params)).one()
        if row.id is None:
            return bool(row.deleted), None
        price = Price(price_id, row.id, row.amount, row.currency)
        product = Product(row.id, row.name, training_item_of(row), row.access_days, row.created_at, [price])
        return bool(row.deleted), (product, price)

    async def add_completed(self, completing: Completing) -> Completion:
        """One statement in the unit of work's transaction: the order (``ON CONFLICT DO NOTHING``
        on its idempotency key, as in ``add_unless_known``) and, only if it was inserted, its
        access rows, codes and outbox rows; nothing when the customer was deleted or the price
        and product are no longer as read. Call after ``checkout_gate`` (the lock)."""
        connection = await self._session.connection()
        return _completion((await connection.exec_driver_sql(_COMPLETE, completing.parameters())).one())

    async def complete_and_commit(self, completing: Completing) -> Completion:
        """``add_completed`` as a transaction of its own, committed: one round trip. The unit of
        work's first and only write."""
        row = await committed_alone(self._session, _COMPLETE, completing.parameters())
        assert row is not None
        return _completion(row)

    async def by_key(self, customer_id: uuid.UUID, key: str) -> Order | None:
        query = select(orders).where(orders.c.customer_id == customer_id, orders.c.idempotency_key == key)
        row = (await self._session.execute(query)).first()
        return _order(row) if row else None

    async def get(self, order_id: uuid.UUID) -> Order | None:
        row = (await self._session.execute(select(orders).where(orders.c.id == order_id))).first()
        return _order(row) if row else None

    async def among(self, order_ids: Sequence[uuid.UUID]) -> list[Order]:
        """These orders (of any customer; unknown ids are left out), newest first."""
        return [_order(r) for r in await self._session.execute(_AMONG, {"ids": list(order_ids)})]

    async def of_customer(self, customer_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Order], int]:
        page = {"customer_id": customer_id, "limit": limit, "offset": offset}
        rows = (await self._session.execute(_OF_CUSTOMER, page)).all()
        total = total_from_page(len(rows), limit=limit, offset=offset)  # most customers: one short page
        if total is None:
            where = orders.c.customer_id == customer_id
            total = (await self._session.execute(select(func.count()).select_from(orders).where(where))).scalar_one()
        return [_order(r) for r in rows], int(total)

    async def delete_of_customer(self, customer_id: uuid.UUID) -> list[uuid.UUID]:
        deleted = await self._session.execute(
            delete(orders).where(orders.c.customer_id == customer_id).returning(orders.c.id)
        )
        return [r.id for r in deleted]

    async def record_import_failure(
        self,
        *,
        import_id: uuid.UUID,
        row_number: int,
        customer_id: uuid.UUID,
        price_id: uuid.UUID | None,
        reason: str,
        at: datetime,
    ) -> None:
        await self._session.execute(
            pg_insert(import_failures)
            .values(
                import_id=import_id,
                row_number=row_number,
                customer_id=customer_id,
                price_id=price_id,
                reason=reason,
                recorded_at=at,
            )
            .on_conflict_do_nothing()
        )

    async def import_failures(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        total = (await self._session.execute(select(func.count()).select_from(import_failures))).scalar_one()
        query = select(import_failures).order_by(import_failures.c.recorded_at.desc()).limit(limit).offset(offset)
        return [dict(r._mapping) for r in (await self._session.execute(query)).all()], int(total)

    async def mark_deleted(self, customer_id: uuid.UUID, at: datetime) -> None:
        await self._session.execute(
            pg_insert(deleted_customers).values(customer_id=customer_id, deleted_at=at).on_conflict_do_nothing()
        )

    async def is_deleted(self, customer_id: uuid.UUID) -> bool:
        """Whether the customer's deletion was approved (no order, access or redemption for them
        any more). Holds the customer's shared deletion lock until the transaction ends: every
        path that creates an order or access for a customer asks this first, so a deletion
        decision (``lock_for_decision``) waits for those in flight and then sees what they wrote."""
        values = {"ns": _DELETION_LOCKS, "customer": customer_id}
        checked = await (await self._session.connection()).exec_driver_sql(_DELETED_UNDER_LOCK, values)
        return bool(checked.scalar_one())

    async def lock_for_decision(self, customer_id: uuid.UUID) -> None:
        """Wait for every transaction that may add an order or access for the customer (they hold
        the shared lock, see ``is_deleted``) and keep new ones out until this one ends."""
        await (await self._session.connection()).exec_driver_sql(_EXCLUSIVE_LOCK, _deletion_lock(customer_id))

    async def has_any(self, customer_id: uuid.UUID) -> bool:
        query = select(orders.c.id).where(orders.c.customer_id == customer_id).limit(1)
        return (await self._session.execute(query)).first() is not None

    async def record_decision(
        self, request_event_id: uuid.UUID, customer_id: uuid.UUID, decision: str, reason: str | None, at: datetime
    ) -> None:
        await self._session.execute(
            pg_insert(deletion_decisions)
            .values(
                request_event_id=request_event_id,
                customer_id=customer_id,
                decision=decision,
                reason=reason,
                decided_at=at,
            )
            .on_conflict_do_nothing()
        )

    async def deletion_approved(self, customer_id: uuid.UUID) -> bool:
        query = select(deletion_decisions.c.request_event_id).where(
            deletion_decisions.c.customer_id == customer_id, deletion_decisions.c.decision == "approved"
        )
        return (await self._session.execute(query.limit(1))).first() is not None
