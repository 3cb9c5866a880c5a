"""A customer as commerce-access knows it: a projection of customer-account's registrations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    registered_at: datetime


def registered_customer(
    customer_id: uuid.UUID, email: str, first_name: str, last_name: str, registered_at: datetime
) -> Customer:
    """E-mails are unique case-insensitively, so the projection keeps them lower-cased.

    A registration time without an offset is taken as UTC.
    """
    if registered_at.tzinfo is None:
        registered_at = registered_at.replace(tzinfo=UTC)
    return Customer(customer_id, email.strip().lower(), first_name, last_name, registered_at)
