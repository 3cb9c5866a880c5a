from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.tables import customers
from customer_account.domain.customer import Customer, CustomerStatus


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_if_email_free(self, customer: Customer) -> bool:
        """Insert unless the e-mail is taken; the unique index decides, so races are safe."""
        inserted = await self._session.execute(
            insert(customers)
            .values(**{**asdict(customer), "status": customer.status.value})
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(customers.c.id)
        )
        return inserted.first() is not None

    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        row = (await self._session.execute(select(customers).where(customers.c.id == customer_id))).first()
        if row is None:
            return None
        values = row._asdict()
        return Customer(**{**values, "status": CustomerStatus(values["status"])})
