"""A customer as the admin screens show it: the profile with its groups' names, its deletion
request, and why it may not be deleted (customer-account's copy of orders and access)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from customer_account.domain.customer import Customer
from customer_account.domain.deletion import DeletionRequest, deletion_blockers


@dataclass(frozen=True, slots=True)
class GroupLabel:
    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    customer: Customer
    groups: list[GroupLabel]
    """By name."""
    deletion: DeletionRequest | None
    has_orders: bool
    has_access: bool
    """Access that is live now (not revoked, not ended)."""

    @property
    def blockers(self) -> list[str]:
        """Why the customer may not be deleted (empty: deletable), for display."""
        return deletion_blockers(has_orders=self.has_orders, has_access=self.has_access)
