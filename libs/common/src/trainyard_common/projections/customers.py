"""The customer projection: who the customers are, kept from customer-account's events.

commerce-access and training-progress both need a customer's e-mail and name (imports match
rows by e-mail; registration codes and transcripts name people), and keep them the same way,
so the table, its upkeep and its read route are written once, here.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts import CustomerProfileUpdated, UserRegistered
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.errors import ErrorBody, NotFound
from trainyard_common.messaging.subscriptions import EventSubscriptions

customer_projection_metadata = MetaData()

customers = Table(
    "customers",
    customer_projection_metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, index=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    registered_at: datetime


class CustomerPublic(BaseModel):
    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    registered_at: datetime


def from_registration(event: UserRegistered) -> KnownCustomer:
    """E-mails are unique case-insensitively, so the projection keeps them lower-cased."""
    registered_at = event.registered_at
    if registered_at.tzinfo is None:
        registered_at = registered_at.replace(tzinfo=UTC)
    return KnownCustomer(
        event.customer_id, str(event.email).strip().lower(), event.first_name, event.last_name, registered_at
    )


class CustomerProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, customer: KnownCustomer) -> None:
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

    async def update_profile(self, customer_id: uuid.UUID, *, email: str, first_name: str, last_name: str) -> None:
        await self._session.execute(
            update(customers)
            .where(customers.c.customer_id == customer_id)
            .values(email=email.strip().lower(), first_name=first_name, last_name=last_name)
        )

    async def forget(self, customer_id: uuid.UUID) -> None:
        """Erasure or deletion: the customer's e-mail and names leave this service."""
        await self._session.execute(delete(customers).where(customers.c.customer_id == customer_id))

    async def get(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
        return KnownCustomer(**row._asdict()) if row else None

    async def by_email(self, email: str) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.email == email.strip().lower()))).first()
        return KnownCustomer(**row._asdict()) if row else None


def keep_customer_projection(subscriptions: EventSubscriptions) -> None:
    """Subscribe the projection's upkeep to customer-account's events.

    CustomerErased and CustomerDeleted are left to the service (one handler per topic and
    service): its handler scrubs its own data, calls ``CustomerProjection.forget`` and sends
    the receipt (``trainyard_common.erasure.send_erasure_receipt``) in one transaction.
    """

    @subscriptions.handler(UserRegistered)
    async def on_user_registered(event: UserRegistered, uow: SqlUnitOfWork) -> None:
        """Keep the customer's e-mail and name (imports match on e-mail; codes and transcripts name people)."""
        await CustomerProjection(uow.session).save(from_registration(event))

    @subscriptions.handler(CustomerProfileUpdated)
    async def on_customer_profile_updated(event: CustomerProfileUpdated, uow: SqlUnitOfWork) -> None:
        """Follow e-mail and name changes (imports match the current e-mail)."""
        await CustomerProjection(uow.session).update_profile(
            event.customer_id, email=str(event.email), first_name=event.first_name, last_name=event.last_name
        )


def customer_projection_router(uow_factory: Callable[[], SqlUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["customers"])

    @router.get("/customers/{customer_id}", responses={404: {"model": ErrorBody}})
    async def get_customer(
        customer_id: uuid.UUID, uow: Annotated[SqlUnitOfWork, Depends(uow_factory)]
    ) -> CustomerPublic:
        """The customer as this service knows it, from customer-account's events."""
        async with uow:
            customer = await CustomerProjection(uow.session).get(customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return _public(customer)

    return router


def _public(customer: KnownCustomer) -> CustomerPublic:
    return CustomerPublic(
        customer_id=customer.customer_id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        registered_at=customer.registered_at,
    )
