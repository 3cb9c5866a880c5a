"""A learner as client-directory knows it: a projection of the customer, plus their client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AssignmentReason(StrEnum):
    DOMAIN = "domain"
    ALIAS = "alias"
    CLASS = "class"
    MANUAL = "manual"

    @property
    def is_automatic(self) -> bool:
        return self in (AssignmentReason.DOMAIN, AssignmentReason.ALIAS)


@dataclass(slots=True)
class Learner:
    customer_id: uuid.UUID
    email: str
    organization: str | None
    client_id: uuid.UUID | None = None
    reason: AssignmentReason | None = None
    assigned_at: datetime | None = None

    def may_be_mapped_automatically(self) -> bool:
        """A manual or class assignment is never overwritten by automatic mapping."""
        return self.reason is None or self.reason.is_automatic
