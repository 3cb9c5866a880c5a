"""Admin accounts and what each role may do."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from trainyard_common.domain_errors import InvalidInput
from trainyard_common.passwords.policy import check_password

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    VIEWER = "viewer"

    def may(self, method: str) -> bool:
        """Admins may do anything; viewers may only read."""
        return self is Role.ADMIN or method.upper() in READ_ONLY_METHODS


class InvalidAdmin(InvalidInput):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(field_name, reason, message="The admin is not valid.")


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive: ``Ada`` and ``ada`` are one admin."""
    return username.strip().lower()


@dataclass(slots=True)
class Admin:
    username: str
    password_hash: str
    role: Role
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    active: bool = True
    """A disabled admin cannot sign in and holds no token."""

    @property
    def counts_as_active_admin(self) -> bool:
        """One of those that must never all go: active, with the ``admin`` role."""
        return self.active and self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class Principal:
    """The admin behind an authenticated request."""

    admin_id: uuid.UUID
    username: str
    role: Role
    integration: str | None = None
    """The LMS integration's name when an integration token authenticated the request (then
    ``username`` is its audit actor, ``integration:<name>``, and ``scopes`` what it may reach)."""
    scopes: frozenset[str] = frozenset()


def valid_username(username: str) -> str:
    """The normalised ``username``, or ``InvalidAdmin`` when it cannot be one."""
    clean = normalize_username(username)
    if not USERNAME_PATTERN.fullmatch(clean):
        raise InvalidAdmin("username", "2-64 characters: letters, digits, '.', '_', '@' or '-'")
    return clean


class WeakPassword(InvalidInput):
    """A password the policy (``trainyard_common.passwords.policy``) refuses."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(field_name, reason, message="The password is not acceptable.", code="weak_password")


def acceptable_password(password: str, *, field_name: str = "password") -> str:
    """``password`` when the one password policy accepts it, else ``WeakPassword``."""
    reason = check_password(password)
    if reason is not None:
        raise WeakPassword(field_name, reason)
    return password


def new_admin(*, username: str, password_hash: str, role: Role) -> Admin:
    return Admin(username=valid_username(username), password_hash=password_hash, role=role)
