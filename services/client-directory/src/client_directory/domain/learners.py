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
    """``reason`` without ``client_id`` means an admin removed the client: no automatic mapping."""

    customer_id: uuid.UUID
    email: str | None
    organization: str | None
    client_id: uuid.UUID | None = None
    reason: AssignmentReason | None = None
    assigned_at: datetime | None = None
    erased_at: datetime | None = None

    def may_be_mapped_automatically(self) -> bool:
        """A manual or class assignment (or an admin's removal) is never overwritten automatically."""
        return self.erased_at is None and (self.reason is None or self.reason.is_automatic)

    def assign(self, client_id: uuid.UUID, reason: AssignmentReason, at: datetime) -> bool:
        """True when something changed (a new client, or a stronger reason for the same one)."""
        if self.client_id == client_id and self.reason == reason:
            return False
        self.client_id, self.reason, self.assigned_at = client_id, reason, at
        return True

    def unassign(self, *, by_admin: bool) -> uuid.UUID | None:
        """Leave the client; an admin's removal is remembered so automatic mapping keeps off."""
        previous = self.client_id
        self.client_id, self.assigned_at = None, None
        self.reason = AssignmentReason.MANUAL if by_admin else None
        return previous

    def erase(self, at: datetime) -> None:
        """Right to be forgotten: the personal data goes, the anonymous mapping stays."""
        self.email, self.organization, self.erased_at = None, None, at
