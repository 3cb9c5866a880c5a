"""The customer aggregate: who a learner is, and the rules for creating one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    LOCKED = "locked"


class RegistrationChannel(StrEnum):
    SELF_REGISTRATION = "self_registration"
    ADMIN = "admin"
    IMPORT = "import"


def normalize_email(email: str) -> str:
    """E-mail addresses are unique case-insensitively; we store them lower-cased."""
    return email.strip().lower()


def normalize_organization(organization: str | None) -> str | None:
    cleaned = " ".join((organization or "").split())
    return cleaned or None


@dataclass(slots=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    password_hash: str
    organization: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def new_customer(
    *, first_name: str, last_name: str, email: str, password_hash: str, organization: str | None
) -> Customer:
    return Customer(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=normalize_email(email),
        password_hash=password_hash,
        organization=normalize_organization(organization),
    )
