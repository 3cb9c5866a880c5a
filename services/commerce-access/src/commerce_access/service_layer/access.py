"""Use cases on access rows: an admin's date change, and the sweep that announces expiries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from commerce_access.domain.access import Access
from commerce_access.domain.errors import NotFoundError
from commerce_access.service_layer import announcements
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork

SWEEP_BATCH = 500


async def change_dates(uow: CommerceUnitOfWork, access_id: uuid.UUID, starts_on: date, ends_on: date | None) -> Access:
    """AccessChanged; a moved end date is announced again by the sweep when it passes."""
    async with uow:
        row = await uow.access.get(access_id, for_update=True)
        if row is None:
            raise NotFoundError("No such access.")
        previous = row.change_dates(starts_on, ends_on)
        await uow.access.save(row)
        if previous != (starts_on, ends_on):
            uow.emit(announcements.access_changed(row, previous, datetime.now(UTC)))
        await uow.commit()
    return row


async def announce_expiries(uow_factory: Callable[[], CommerceUnitOfWork], today: date | None = None) -> int:
    """AccessExpired once per (row, end date) whose day has passed; batch by batch, one
    transaction each. Returns how many were announced."""
    announced = 0
    while True:
        async with uow_factory() as uow:
            due = await uow.access.expiry_due(today or datetime.now(UTC).date(), SWEEP_BATCH)
            now = datetime.now(UTC)
            for row in due:
                row.expiry_noticed_for = row.ends_on
                await uow.access.save(row)
                uow.emit(announcements.access_expired(row, now))
            await uow.commit()
        announced += len(due)
        if len(due) < SWEEP_BATCH:
            return announced
