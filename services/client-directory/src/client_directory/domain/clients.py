"""Clients and the rules that map a learner to one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from client_directory.domain.errors import InvalidInput

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


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class InvalidClient(InvalidInput):
    """A client's field breaks a rule."""


def normalize_domain(domain: str) -> str:
    """``@Explorance.com`` and ``explorance.com`` are the same domain."""
    cleaned = domain.strip().lower().removeprefix("@").rstrip(".")
    labels = cleaned.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidClient("email_domains", f"{domain!r} is not a domain")
    return cleaned


def normalize_alias(alias: str) -> str:
    """Aliases match case- and space-insensitively."""
    return " ".join(alias.lower().split())


def email_domain(email: str) -> str | None:
    """The domain of an address: what follows its LAST ``@`` (``acme.com@evil.com`` → ``evil.com``)."""
    local, at, domain = email.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    if not at or not local or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return domain


def email_domain_candidates(email: str) -> list[str]:
    """``ada@mail.acme.com`` → ``["mail.acme.com", "acme.com"]``: longest (most specific) first.

    Candidates are whole-label suffixes of the real domain, so ``user@acme.com.evil.com`` yields
    ``acme.com.evil.com``, ``com.evil.com``, ``evil.com`` — never ``acme.com``.
    """
    domain = email_domain(email)
    if domain is None:
        return []
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

    def change(self, changes: ClientChanges) -> ClientChanges:
        """Apply ``changes``; returns what was really added (domains, aliases) or reactivated."""
        old_domains, old_aliases, was_active = set(self.email_domains), self.alias_keys(), self.active
        if changes.name is not None:
            self.name = clean_name(changes.name)
        if changes.industry is not None:
            self.industry = check_industry(changes.industry)
        if changes.email_domains is not None:
            self.email_domains = clean_domains(changes.email_domains)
        if changes.aliases is not None:
            self.aliases = clean_aliases(changes.aliases)
        if changes.active is not None:
            self.active = changes.active
        return ClientChanges(
            email_domains=[d for d in self.email_domains if d not in old_domains],
            aliases=[a for a in self.aliases if normalize_alias(a) not in old_aliases],
            active=self.active and not was_active,
        )

    def alias_keys(self) -> set[str]:
        return {normalize_alias(a) for a in self.aliases}


@dataclass(frozen=True, slots=True)
class ClientChanges:
    """What an admin changes on a client; ``None`` leaves a field as it is."""

    name: str | None = None
    industry: str | None = None
    email_domains: list[str] | None = None
    aliases: list[str] | None = None
    active: bool | None = None


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidClient("name", "must not be blank")
    return cleaned


def check_industry(industry: str) -> str:
    if industry not in INDUSTRIES:
        raise InvalidClient("industry", "not in the industry pick list")
    return industry


def clean_domains(domains: list[str]) -> list[str]:
    return list(dict.fromkeys(normalize_domain(d) for d in domains))


def clean_aliases(aliases: list[str]) -> list[str]:
    kept: dict[str, str] = {}
    for alias in aliases:
        if alias.strip():
            kept.setdefault(normalize_alias(alias), " ".join(alias.split()))
    return list(kept.values())


def new_client(*, name: str, industry: str, email_domains: list[str], aliases: list[str]) -> Client:
    return Client(
        name=clean_name(name),
        industry=check_industry(industry),
        email_domains=clean_domains(email_domains),
        aliases=clean_aliases(aliases),
    )
