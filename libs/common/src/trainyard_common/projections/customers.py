"""The customer projection: who the customers are, kept from customer-account's events.

commerce-access and training-progress both need a customer's e-mail and name (imports match
rows by e-mail; registration codes and transcripts name people), and keep them the same way,
so the table, its upkeep and its read route are written once, here.

Both events come in partition batches: registrations are folded to the last one per customer
and upserted in one statement; profile changes load (and lock) the customers they touch, are
applied in order in memory and written back in one statement.

A service keeping the projection registers ``on_users_registered`` and
``on_customer_profiles_updated`` in its own ``events.py`` (their docstrings describe them in
its AsyncAPI document) and serves ``router``. CustomerErased and CustomerDeleted are left to
the service (one handler per topic and service): its handler scrubs its own data, calls
``CustomerProjection.forget`` and sends the receipt (``trainyard_common.erasure``) in one
transaction.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts import CustomerProfileUpdated, UserRegistered
from trainyard_common.db.batches import InsertRows, LockRows, UpdateRows, apply_in_order, last_per_key
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.deps import unit_of_work
from trainyard_common.http.errors import ErrorBody, NotFound
from trainyard_common.messaging.delivered import Delivered

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

_COLUMNS = ("customer_id", "email", "first_name", "last_name", "registered_at")
_PROFILE = ("email", "first_name", "last_name")
_SAVE = InsertRows(customers, _COLUMNS, conflict=["customer_id"], update=_COLUMNS[1:])
_LOCK = LockRows(customers, "customer_id", _COLUMNS, mode="NO KEY UPDATE")
_UPDATE_PROFILES = UpdateRows(customers, "customer_id", _PROFILE)


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


def with_profile(customer: KnownCustomer, event: CustomerProfileUpdated) -> KnownCustomer:
    """The customer after a profile change (the registration date stays)."""
    return replace(
        customer, email=str(event.email).strip().lower(), first_name=event.first_name, last_name=event.last_name
    )


class CustomerProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, customer: KnownCustomer) -> None:
        await self.save_all([customer])

    async def save_all(self, known: Iterable[KnownCustomer]) -> None:
        """Upsert, in one statement: of several rows for one customer, the last one wins."""
        rows = last_per_key(known, key=lambda c: c.customer_id)
        await _SAVE.execute(self._session, [_row(c) for c in rows])

    async def update_profiles(self, changes: Sequence[CustomerProfileUpdated]) -> None:
        """Apply the changes in order to the customers known here (an unknown one stays unknown).

        The customers are locked in key order first, as ``save_all`` writes them (registrations
        are another topic, handled concurrently), and so that an erasure cannot slip between
        the read and the write.
        """
        known = await self.many_for_update(c.customer_id for c in changes)
        changed = apply_in_order(known, changes, key=lambda c: c.customer_id, step=with_profile)
        await _UPDATE_PROFILES.execute(
            self._session, [(c.customer_id, c.email, c.first_name, c.last_name) for c in changed.values()]
        )

    async def many_for_update(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, KnownCustomer]:
        rows = await _LOCK.execute(self._session, customer_ids)
        return {row.customer_id: KnownCustomer(**row._asdict()) for row in rows}

    async def forget(self, customer_id: uuid.UUID) -> None:
        """Erasure or deletion: the customer's e-mail and names leave this service."""
        await self._session.execute(delete(customers).where(customers.c.customer_id == customer_id))

    async def get(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
        return KnownCustomer(**row._asdict()) if row else None

    async def by_email(self, email: str) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.email == email.strip().lower()))).first()
        return KnownCustomer(**row._asdict()) if row else None


async def on_users_registered(events: Sequence[Delivered[UserRegistered]], uow: SqlUnitOfWork) -> None:
    """Keep the customer's e-mail and name (imports match on e-mail; codes and transcripts name people)."""
    await CustomerProjection(uow.session).save_all(from_registration(d.event) for d in events)


async def on_customer_profiles_updated(events: Sequence[Delivered[CustomerProfileUpdated]], uow: SqlUnitOfWork) -> None:
    """Follow e-mail and name changes (imports match the current e-mail)."""
    await CustomerProjection(uow.session).update_profiles([d.event for d in events])


router = APIRouter(prefix="/v1", tags=["customers"])
"""The projection's read route; a service serves it among its own routers."""


@router.get("/customers/{customer_id}", responses={404: {"model": ErrorBody}})
async def get_customer(customer_id: uuid.UUID, uow: Annotated[SqlUnitOfWork, Depends(unit_of_work)]) -> CustomerPublic:
    """The customer as this service knows it, from customer-account's events."""
    async with uow:
        customer = await CustomerProjection(uow.session).get(customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    return _public(customer)


def _row(customer: KnownCustomer) -> tuple[uuid.UUID, str, str, str, datetime]:
    """In ``_COLUMNS`` order."""
    return (customer.customer_id, customer.email, customer.first_name, customer.last_name, customer.registered_at)


def _public(customer: KnownCustomer) -> CustomerPublic:
    return CustomerPublic(
        customer_id=customer.customer_id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        registered_at=customer.registered_at,
    )
