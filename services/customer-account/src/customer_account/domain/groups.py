"""Groups, and the e-mail domain whose customers an automation puts in one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Group:
    id: uuid.UUID
    name: str
    email_domain: str | None
    created_at: datetime


def normalize_group_name(name: str) -> str:
    return " ".join(name.split())


def normalize_domain(domain: str | None) -> str | None:
    """``@Example.COM `` → ``example.com``; blank: no automation."""
    cleaned = (domain or "").strip().lower().removeprefix("@")
    return cleaned or None
