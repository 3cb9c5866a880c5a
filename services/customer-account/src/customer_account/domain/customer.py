"""The customer aggregate: who a learner is, their status and password rules, and erasure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    LOCKED = "locked"


class RegistrationChannel(StrEnum):
    SELF_REGISTRATION = "self_registration"
    ADMIN = "admin"
    IMPORT = "import"


PROFILE_FIELDS = ("first_name", "last_name", "email", "organization")


def normalize_email(email: str) -> str:
    """E-mail addresses are unique case-insensitively; we store them lower-cased."""
    return email.strip().lower()


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def normalize_organization(organization: str | None) -> str | None:
    cleaned = " ".join((organization or "").split())
    return cleaned or None


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Customer:
    first_name: str | None
    last_name: str | None
    email: str | None
    password_hash: str | None
    organization: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)
    tax_exempt: bool = False
    password_change_required: bool = False
    password_expires_at: datetime | None = None
    password_expiry_days: int | None = None
    failures_reset_at: datetime | None = None
    erased_at: datetime | None = None
    client_id: uuid.UUID | None = None
    deletion_requested_at: datetime | None = None
    """Set while a deletion request waits for commerce-access: no sign-in, no session, no buying."""

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def may_sign_in(self) -> bool:
        return self.status is CustomerStatus.ACTIVE and not self.erased and not self.deletion_pending

    @property
    def deletion_pending(self) -> bool:
        return self.deletion_requested_at is not None

    def must_change_password(self, at: datetime) -> bool:
        """Signed in, the learner may do nothing but change the password."""
        expired = self.password_expires_at is not None and self.password_expires_at <= at
        return self.password_change_required or expired

    def edit_profile(self, changes: dict[str, str | None]) -> list[str]:
        """Apply the given profile fields; returns the names of those that really changed."""
        cleaned = {
            "first_name": lambda v: (v or "").strip(),
            "last_name": lambda v: (v or "").strip(),
            "email": lambda v: normalize_email(v or ""),
            "organization": normalize_organization,
        }
        changed = []
        for name in PROFILE_FIELDS:
            if name in changes:
                value = cleaned[name](changes[name])
                if value != getattr(self, name):
                    setattr(self, name, value)
                    changed.append(name)
        return changed

    def set_password(self, password_hash: str, at: datetime, *, require_change: bool = False) -> None:
        self.password_hash = password_hash
        self.password_change_required = require_change
        self.password_expires_at = (
            at + timedelta(days=self.password_expiry_days) if self.password_expiry_days is not None else None
        )

    def set_expiry_rule(self, days: int | None, at: datetime) -> None:
        """Expires N days from now (and again N days after each change); None: never."""
        self.password_expiry_days = days
        self.password_expires_at = at + timedelta(days=days) if days is not None else None

    def change_status(self, status: CustomerStatus, at: datetime) -> CustomerStatus:
        previous, self.status = self.status, status
        if status is CustomerStatus.ACTIVE and previous is not CustomerStatus.ACTIVE:
            self.failures_reset_at = at  # an unlock forgives the failures that caused the lock
        return previous

    def erase(self, at: datetime) -> None:
        """Right to be forgotten: every personal field goes; id and creation date stay."""
        self.first_name = self.last_name = self.email = self.organization = self.password_hash = None
        self.password_change_required = False
        self.password_expires_at = None
        self.password_expiry_days = None
        self.erased_at = at


def new_customer(
    *,
    first_name: str,
    last_name: str,
    email: str,
    password_hash: str,
    organization: str | None,
    require_password_change: bool = False,
) -> Customer:
    return Customer(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=normalize_email(email),
        password_hash=password_hash,
        organization=normalize_organization(organization),
        password_change_required=require_password_change,
    )
