"""Keeping the customer projection (e-mail for imports and registration codes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from commerce_access.domain.customers import Customer, registered_customer
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork


@dataclass(frozen=True, slots=True)
class RecordCustomer:
    """customer-account registered a customer."""

    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    registered_at: datetime


async def record_customer(uow: CommerceUnitOfWork, command: RecordCustomer) -> Customer:
    """Insert or refresh the customer; recording the same registration again changes nothing.

    The caller commits: the event subscription does, together with the event's claim.
    """
    customer = registered_customer(
        command.customer_id,
        command.email,
        command.first_name,
        command.last_name,
        command.registered_at,
    )
    await uow.customers.save(customer)
    return customer
