"""Orders, import failures and deleted customers in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce_access.adapters.catalogue import training_item_columns, training_item_of
from commerce_access.adapters.tables import deleted_customers, deletion_decisions, import_failures, orders
from commerce_access.domain.orders import Order, Source


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


_DELETION_LOCKS = 1414  # the first key of the two-key advisory locks on one customer's deletion
_SHARED_LOCK = text("SELECT pg_advisory_xact_lock_shared(:ns, hashtext(:id))")
_EXCLUSIVE_LOCK = text("SELECT pg_advisory_xact_lock(:ns, hashtext(:id))")


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_unless_known(self, order: Order) -> bool:
        """Insert the order; False when this customer already has one with its key.

        ON CONFLICT waits for a concurrent insert of the same key to commit, so of two parallel
        retries exactly one inserts and the other finds the first's order.
        """
        values = {
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
        inserted = await self._session.execute(
            pg_insert(orders).values(**values).on_conflict_do_nothing().returning(orders.c.id)
        )
        return inserted.first() is not None

    async def by_key(self, customer_id: uuid.UUID, key: str) -> Order | None:
        query = select(orders).where(orders.c.customer_id == customer_id, orders.c.idempotency_key == key)
        row = (await self._session.execute(query)).first()
        return _order(row) if row else None

    async def get(self, order_id: uuid.UUID) -> Order | None:
        row = (await self._session.execute(select(orders).where(orders.c.id == order_id))).first()
        return _order(row) if row else None

    async def of_customer(self, customer_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Order], int]:
        where = orders.c.customer_id == customer_id
        total = (await self._session.execute(select(func.count()).select_from(orders).where(where))).scalar_one()
        query = select(orders).where(where).order_by(orders.c.completed_at.desc(), orders.c.id)
        rows = (await self._session.execute(query.limit(limit).offset(offset))).all()
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
        await self._session.execute(_SHARED_LOCK, {"ns": _DELETION_LOCKS, "id": str(customer_id)})
        query = select(deleted_customers.c.customer_id).where(deleted_customers.c.customer_id == customer_id)
        return (await self._session.execute(query)).first() is not None

    async def lock_for_decision(self, customer_id: uuid.UUID) -> None:
        """Wait for every transaction that may add an order or access for the customer (they hold
        the shared lock, see ``is_deleted``) and keep new ones out until this one ends."""
        await self._session.execute(_EXCLUSIVE_LOCK, {"ns": _DELETION_LOCKS, "id": str(customer_id)})

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
