from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import customers
from training_progress.domain.customers import Customer


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, customer: Customer) -> None:
        """Insert the customer, or overwrite the row already kept for that id."""
        values = {
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "registered_at": customer.registered_at,
        }
        await self._session.execute(
            pg_insert(customers)
            .values(customer_id=customer.customer_id, **values)
            .on_conflict_do_update(index_elements=[customers.c.customer_id], set_=values)
        )

    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        query = select(customers).where(customers.c.customer_id == customer_id)
        row = (await self._session.execute(query)).first()
        return Customer(**row._asdict()) if row else None
