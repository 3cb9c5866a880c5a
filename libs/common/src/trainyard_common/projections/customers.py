"""The customer projection: who the customers are, kept from customer-account's events.

commerce-access and training-progress both need a customer's e-mail and name (imports match
rows by e-mail; registration codes and transcripts name people), and keep them the same way,
so the table, its upkeep and its read route are written once, here.

Both events come in partition batches: registrations are folded to the last one per customer
and upserted in one statement; profile changes load (and lock) the customers they touch, are
applied in order in memory and written back in one statement.

Both are read from the sealed version 2 topics (issue 16; version 1 carries them empty): a
service keeping the projection builds ``SealedCustomerEvents(keys)`` with its customer key source
(``trainyard_common.privacy.consumers``: one lookup per batch; customer-account away retries the
batch, an erased customer's event is skipped) and registers its ``on_users_registered`` and
``on_customer_profiles_updated`` for ``UserRegisteredV2`` and ``CustomerProfileUpdatedV2`` in its
own ``events.py`` (their docstrings describe them in its AsyncAPI document), and serves ``router``.
CustomerErased and CustomerDeleted are left to the service (one handler per topic and service):
its handler scrubs its own data, calls ``CustomerProjection.forget`` and sends the receipt
(``trainyard_common.erasure``) in one transaction.

``forget`` leaves a tombstone (``erased_customers``: the bare id, when, erased or deleted), kept
for good: a late, replayed or re-consumed registration of that customer (offsets reset to
earliest, a restore) is skipped inside the batch's own statement, so no e-mail or name comes
back after the certificate of erasure. Registrations and ``forget`` take a per-customer advisory
lock first, so a registration committed while the erasure runs cannot pass it unseen. Profile
changes only update rows that exist, and ``forget`` deleted the row.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts import CustomerProfileUpdatedV2, UserRegisteredV2
from trainyard_common.db.batches import InsertRows, LockRows, UpdateRows, apply_in_order, last_per_key
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.deps import unit_of_work
from trainyard_common.http.errors import ErrorBody, NotFound
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.privacy.consumers import CustomerKeySource, open_batch
from trainyard_common.vocabulary import ErasureKind

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

erased_customers = Table(
    "erased_customers",
    customer_projection_metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),  # an ErasureKind: erased or deleted
)
"""Tombstones: the ids of erased and deleted customers (nothing else), kept forever."""

_COLUMNS = ("customer_id", "email", "first_name", "last_name", "registered_at")
_PROFILE = ("email", "first_name", "last_name")
_NOT_ERASED = "NOT EXISTS (SELECT 1 FROM erased_customers AS e WHERE e.customer_id = batch.customer_id)"
_SAVE = InsertRows(customers, _COLUMNS, conflict=["customer_id"], update=_COLUMNS[1:], rows_where=_NOT_ERASED)
TOMBSTONE_LOCK_SPACE = 0x65727364  # "ersd": the first key of the per-customer tombstone locks
# unnest yields the (sorted) keys in order, so every transaction takes its locks in one order.
_LOCK_TOMBSTONES = text("SELECT count(pg_advisory_xact_lock(:space, k)) FROM unnest(CAST(:keys AS integer[])) AS k")
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


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """A customer's profile after a change, in clear (from ``CustomerProfileUpdatedV2``)."""

    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str


def from_registration(event: Mapping[str, Any]) -> KnownCustomer:
    """``event``: a registration's fields in clear. E-mails are unique case-insensitively, so the
    projection keeps them lower-cased."""
    registered_at: datetime = event["registered_at"]
    if registered_at.tzinfo is None:
        registered_at = registered_at.replace(tzinfo=UTC)
    return KnownCustomer(
        event["customer_id"],
        str(event["email"]).strip().lower(),
        event["first_name"],
        event["last_name"],
        registered_at,
    )


def profile_change(event: Mapping[str, Any]) -> ProfileChange:
    """``event``: a profile change's fields in clear."""
    return ProfileChange(event["customer_id"], str(event["email"]), event["first_name"], event["last_name"])


def with_profile(customer: KnownCustomer, change: ProfileChange) -> KnownCustomer:
    """The customer after a profile change (the registration date stays)."""
    return replace(
        customer, email=change.email.strip().lower(), first_name=change.first_name, last_name=change.last_name
    )


class CustomerProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, customer: KnownCustomer) -> None:
        await self.save_all([customer])

    async def save_all(self, known: Iterable[KnownCustomer]) -> None:
        """Upsert, in one statement: of several rows for one customer, the last one wins."""
        rows = last_per_key(known, key=lambda c: c.customer_id)
        if not rows:
            return
        await self._lock_tombstones(c.customer_id for c in rows)
        await _SAVE.execute(self._session, [_row(c) for c in rows])  # skips tombstoned ids

    async def update_profiles(self, changes: Sequence[ProfileChange]) -> None:
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

    async def forget(
        self, customer_id: uuid.UUID, kind: ErasureKind = ErasureKind.ERASED, at: datetime | None = None
    ) -> None:
        """Erasure or deletion: the customer's e-mail and names leave this service, and the bare id
        stays as a tombstone so that no later registration brings them back (the first one kept)."""
        await self._lock_tombstones([customer_id])
        await self._session.execute(
            pg_insert(erased_customers)
            .values(customer_id=customer_id, erased_at=at or datetime.now(UTC), kind=kind.value)
            .on_conflict_do_nothing()
        )
        await self._session.execute(delete(customers).where(customers.c.customer_id == customer_id))

    async def is_erased(self, customer_id: uuid.UUID) -> bool:
        """Whether the customer was erased or deleted here (tombstoned)."""
        found = await self._session.scalar(
            select(erased_customers.c.customer_id).where(erased_customers.c.customer_id == customer_id)
        )
        return found is not None

    async def _lock_tombstones(self, customer_ids: Iterable[uuid.UUID]) -> None:
        """Until the transaction ends, serialise with ``forget`` of the same customers (a
        transaction-level advisory lock per customer, in one order, before any row lock): the
        next statement then sees a tombstone committed meanwhile."""
        keys = sorted({int.from_bytes(c.bytes[:4], "big", signed=True) for c in customer_ids})
        await self._session.execute(_LOCK_TOMBSTONES, {"space": TOMBSTONE_LOCK_SPACE, "keys": keys})

    async def get(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
        return KnownCustomer(**row._asdict()) if row else None

    async def by_email(self, email: str) -> KnownCustomer | None:
        row = (await self._session.execute(select(customers).where(customers.c.email == email.strip().lower()))).first()
        return KnownCustomer(**row._asdict()) if row else None


class SealedCustomerEvents:
    """The projection's handlers, reading the sealed version 2 topics with ``keys``."""

    def __init__(self, keys: CustomerKeySource) -> None:
        self.keys = keys

    async def on_users_registered(self, events: Sequence[Delivered[UserRegisteredV2]], uow: SqlUnitOfWork) -> None:
        """Keep the customer's e-mail and name (imports match on e-mail; codes and transcripts name
        people), unsealed with the customer's key; an erased customer's registration is skipped."""
        opened = await open_batch(events, self.keys)
        await CustomerProjection(uow.session).save_all(from_registration(v) for _, v in opened if v is not None)

    async def on_customer_profiles_updated(
        self, events: Sequence[Delivered[CustomerProfileUpdatedV2]], uow: SqlUnitOfWork
    ) -> None:
        """Follow e-mail and name changes (imports match the current e-mail), unsealed with the
        customer's key; an erased customer's change is skipped."""
        opened = await open_batch(events, self.keys)
        await CustomerProjection(uow.session).update_profiles([profile_change(v) for _, v in opened if v is not None])


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
