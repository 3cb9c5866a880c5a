"""Content access rows: granted by an order (or a redeemed code), edited by admins, revoked,
expired. Every row is kept: the history is the table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from commerce_access.domain.errors import ConflictingState, InvalidInput
from commerce_access.domain.orders import Order
from commerce_access.domain.products import TrainingItem, access_window


class RevokeReason(StrEnum):
    REGISTRATION_CODE_REMOVED = "registration_code_removed"
    ADMIN = "admin"


@dataclass(slots=True)
class Access:
    id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    training_item: TrainingItem | None
    order_id: uuid.UUID
    registration_code: str | None
    starts_on: date
    ends_on: date | None
    granted_at: datetime
    revoked_at: datetime | None = None
    revoke_reason: RevokeReason | None = None
    expiry_noticed_for: date | None = None
    """The ``ends_on`` an AccessExpired was sent for; a new end date gets its own notice."""

    def status(self, today: date) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.ends_on is not None and self.ends_on < today:
            return "expired"
        return "upcoming" if self.starts_on > today else "active"

    def change_dates(self, starts_on: date, ends_on: date | None) -> tuple[date, date | None]:
        """Returns the previous dates."""
        if self.revoked_at is not None:
            raise ConflictingState("access_revoked", "Revoked access cannot be changed.")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput("ends_on", "must not be before starts_on")
        previous = (self.starts_on, self.ends_on)
        self.starts_on, self.ends_on = starts_on, ends_on
        return previous

    def revoke(self, reason: RevokeReason, at: datetime) -> None:
        self.revoked_at, self.revoke_reason = at, reason

    def expiry_due(self, today: date) -> bool:
        """Ended (the whole ``ends_on`` day has passed), not revoked, not yet noticed for this end."""
        return (
            self.revoked_at is None
            and self.ends_on is not None
            and self.ends_on < today
            and self.expiry_noticed_for != self.ends_on
        )


def grant(order: Order, customer_id: uuid.UUID, starts_on: date, at: datetime, code: str | None = None) -> Access:
    """Dates from the duration copied into the order at purchase, not the product's current one."""
    starts, ends = access_window(starts_on, order.access_days)
    return Access(
        id=uuid.uuid4(),
        customer_id=customer_id,
        product_id=order.product_id,
        product_name=order.product_name,
        training_item=order.training_item,
        order_id=order.id,
        registration_code=code,
        starts_on=starts,
        ends_on=ends,
        granted_at=at,
    )
