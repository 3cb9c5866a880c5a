"""The tombstone check every service keeping the customer projection runs on its own erasure:
after the customer is erased (or deleted), their history replayed — in batches shared with another
customer — writes no e-mail or name back, and the other customer's changes still apply."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select

from trainyard_common.contracts import CustomerProfileUpdatedV2, Event, UserRegisteredV2
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.projections import customers as projection
from trainyard_common.testing.sealed_events import known_keys, profile_updated, registered
from trainyard_common.vocabulary import ErasureKind, ProfileField

End = Callable[[Any, uuid.UUID], Awaitable[object]]
"""The service's erasure or deletion use case: ``(uow, customer_id)``."""


async def replay_after(units_of_work: Callable[[], Any], end: End, kind: ErasureKind) -> None:
    """Register a customer, ``end`` them, replay their registration and a profile change beside
    another customer's, and check the projection and the tombstone (``AssertionError`` otherwise)."""
    gone, other = uuid.uuid4(), uuid.uuid4()
    # The key stays readable here: the tombstone alone must keep the replayed history out.
    handlers = projection.SealedCustomerEvents(known_keys())
    await _handle(units_of_work, lambda uow: handlers.on_users_registered(_delivered(_registered(gone)), uow))
    await _handle(units_of_work, lambda uow: end(uow, gone))

    both = _delivered(_registered(gone), _registered(other))
    await _handle(units_of_work, lambda uow: handlers.on_users_registered(both, uow))
    changes = _delivered(_profile_updated(gone), _profile_updated(other))
    await _handle(units_of_work, lambda uow: handlers.on_customer_profiles_updated(changes, uow))

    async with units_of_work() as uow:
        assert await uow.customers.get(gone) is None, "the replay wrote the erased customer back"
        kept = await uow.customers.get(other)
        assert kept is not None, "the other customer was lost"
        assert kept.first_name == "Augusta", "the other customer's change was lost"
        assert await uow.customers.is_erased(gone)
        rows = projection.customers
        left = await uow.session.scalar(select(func.count()).select_from(rows).where(rows.c.customer_id == gone))
        tombstones = projection.erased_customers
        found = await uow.session.scalar(select(tombstones.c.kind).where(tombstones.c.customer_id == gone))
    assert (left, found) == (0, kind.value)


async def _handle(units_of_work: Callable[[], Any], work: Callable[[Any], Awaitable[object]]) -> None:
    async with units_of_work() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        uow.event_id = str(uuid.uuid4())
        await work(uow)
        await uow.commit()


def _email(customer_id: uuid.UUID) -> str:
    return f"ada.{customer_id.hex[:8]}@example.org"


def _registered(customer_id: uuid.UUID) -> UserRegisteredV2:
    return registered(customer_id, _email(customer_id))


def _profile_updated(customer_id: uuid.UUID) -> CustomerProfileUpdatedV2:
    return profile_updated(
        customer_id,
        _email(customer_id),
        first_name="Augusta",
        last_name="King",
        changed_fields=[ProfileField.FIRST_NAME, ProfileField.LAST_NAME],
    )


def _delivered(*batch: Event) -> list[Delivered[Any]]:
    return [Delivered(event=event, event_id=str(uuid.uuid4()), correlation_id="test") for event in batch]
