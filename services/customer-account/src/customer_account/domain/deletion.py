"""A customer's deletion, decided by commerce-access (which owns orders and access).

customer-account refuses at once what its own copy of orders and access already forbids; anything
else becomes a request (the customer can no longer sign in or buy) that commerce-access approves
(customer-account then deletes the customer) or refuses (the customer is back as before, sessions
ended). The request's record outlives the customer, without personal data, so the admin can see
``done``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeletionState(StrEnum):
    PENDING = "pending"
    REFUSED = "refused"
    DONE = "done"


@dataclass(slots=True)
class DeletionRequest:
    customer_id: uuid.UUID
    state: DeletionState
    requested_at: datetime
    reason: str | None = None
    decided_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.state is DeletionState.PENDING

    def refuse(self, reason: str | None, at: datetime) -> None:
        self.state, self.reason, self.decided_at = DeletionState.REFUSED, reason, at

    def complete(self, at: datetime) -> None:
        self.state, self.reason, self.decided_at = DeletionState.DONE, None, at


def new_request(customer_id: uuid.UUID, at: datetime) -> DeletionRequest:
    return DeletionRequest(customer_id, DeletionState.PENDING, at)


HAS_ORDERS = "has_orders"
HAS_ACCESS = "has_access"


def deletion_blockers(*, has_orders: bool, has_access: bool) -> list[str]:
    """Why the customer may not be deleted, from customer-account's copy of orders and access
    (for display: the Delete User button; commerce-access still decides a request)."""
    return [reason for reason, blocks in ((HAS_ORDERS, has_orders), (HAS_ACCESS, has_access)) if blocks]
