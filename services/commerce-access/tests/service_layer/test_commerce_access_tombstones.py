"""An erased or deleted customer stays out of the customer projection: a late, replayed or
re-consumed UserRegistered / CustomerProfileUpdated writes no e-mail or name back (issue 16, item 2)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.entrypoints import events
from commerce_access.service_layer import erasure
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import CustomerProfileUpdated, UserRegistered
from trainyard_common.contracts.base import Event
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.projections.customers import customers, erased_customers
from trainyard_common.testing.use_cases import units_of_work
from trainyard_common.vocabulary import ProfileField, RegistrationSource

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("ca_tomb"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


def registered(customer_id: uuid.UUID) -> UserRegistered:
    return UserRegistered(
        customer_id=customer_id,
        email=f"ada.{customer_id.hex[:8]}@example.org",
        first_name="Ada",
        last_name="Lovelace",
        source=RegistrationSource.SELF_REGISTRATION,
        registered_at=datetime.now(UTC),
    )


def profile_updated(customer_id: uuid.UUID) -> CustomerProfileUpdated:
    email = f"ada.{customer_id.hex[:8]}@example.org"
    return CustomerProfileUpdated(
        customer_id=customer_id,
        email=email,
        previous_email=email,
        first_name="Augusta",
        last_name="King",
        changed_fields=[ProfileField.FIRST_NAME, ProfileField.LAST_NAME],
        updated_at=datetime.now(UTC),
    )


def delivered(*batch: Event) -> list[Delivered[Any]]:
    return [Delivered(event=e, event_id=str(uuid.uuid4()), correlation_id="test") for e in batch]


async def handle(uows: Uows, work: Callable[[CommerceUnitOfWork], Awaitable[object]]) -> None:
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await work(uow)
        await uow.commit()


async def test_a_replayed_registration_or_profile_change_writes_nothing_back(uows: Uows) -> None:
    gone, other = uuid.uuid4(), uuid.uuid4()
    await handle(uows, lambda uow: events.customers.on_users_registered(delivered(registered(gone)), uow))
    await handle(uows, lambda uow: erasure.erase_customer(uow, gone))

    # The customer's history again, in batches shared with another customer.
    await handle(
        uows, lambda uow: events.customers.on_users_registered(delivered(registered(gone), registered(other)), uow)
    )
    await handle(
        uows,
        lambda uow: events.customers.on_customer_profiles_updated(
            delivered(profile_updated(gone), profile_updated(other)), uow
        ),
    )

    async with uows() as uow:
        assert await uow.customers.get(gone) is None
        assert (await uow.customers.get(other) or pytest.fail("other not kept")).first_name == "Augusta"
        assert await uow.customers.is_erased(gone)
        left = await uow.session.scalar(
            select(func.count()).select_from(customers).where(customers.c.customer_id == gone)
        )
        kind = await uow.session.scalar(select(erased_customers.c.kind).where(erased_customers.c.customer_id == gone))
    assert (left, kind) == (0, "erased")
