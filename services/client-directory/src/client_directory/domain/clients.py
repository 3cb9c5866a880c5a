"""Clients and the rules that map a learner to one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

INDUSTRIES: tuple[str, ...] = (
    "Aerospace & Defense",
    "Consulting",
    "Education",
    "Energy & Utilities",
    "Financial Services",
    "Government",
    "Healthcare",
    "Hospitality",
    "Manufacturing",
    "Non-profit",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation & Logistics",
    "Other",
)


class InvalidClient(ValueError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


def normalize_domain(domain: str) -> str:
    """``@Explorance.com`` and ``explorance.com`` are the same domain."""
    cleaned = domain.strip().lower().removeprefix("@").rstrip(".")
    labels = cleaned.split(".")
    if len(labels) < 2 or not all(labels) or any(" " in label for label in labels):
        raise InvalidClient("email_domains", f"{domain!r} is not a domain")
    return cleaned


def normalize_alias(alias: str) -> str:
    """Aliases match case- and space-insensitively."""
    return " ".join(alias.lower().split())


def email_domain_candidates(email: str) -> list[str]:
    """``ada@mail.acme.com`` → ``["mail.acme.com", "acme.com"]``: longest (most specific) first."""
    domain = email.rsplit("@", 1)[-1].lower()
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


@dataclass(slots=True)
class Client:
    name: str
    industry: str
    email_domains: list[str]
    aliases: list[str]
    active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def new_client(*, name: str, industry: str, email_domains: list[str], aliases: list[str]) -> Client:
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InvalidClient("name", "must not be blank")
    if industry not in INDUSTRIES:
        raise InvalidClient("industry", "not in the industry pick list")
    domains = list(dict.fromkeys(normalize_domain(d) for d in email_domains))
    clean_aliases = list(dict.fromkeys(" ".join(a.split()) for a in aliases if a.strip()))
    return Client(name=clean_name, industry=industry, email_domains=domains, aliases=clean_aliases)
