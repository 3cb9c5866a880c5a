"""Which client a learner maps to automatically: by e-mail domain, else by organisation alias."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from client_directory.domain.clients import email_domain_candidates, normalize_alias
from client_directory.domain.learners import AssignmentReason, Learner


@dataclass(frozen=True, slots=True)
class ClientMatch:
    client_id: uuid.UUID
    client_name: str


@dataclass(frozen=True, slots=True)
class ClientIndex:
    """The active clients owning some domains and aliases: enough to map the learners it was loaded for."""

    by_domain: Mapping[str, ClientMatch] = field(default_factory=dict)
    by_alias_key: Mapping[str, ClientMatch] = field(default_factory=dict)

    def match(self, learner: Learner) -> tuple[ClientMatch, AssignmentReason] | None:
        """Domain first (the most specific sub-domain wins), then alias."""
        for candidate in email_domain_candidates(learner.email or ""):  # longest first
            if candidate in self.by_domain:
                return self.by_domain[candidate], AssignmentReason.DOMAIN
        if learner.organization:
            by_alias = self.by_alias_key.get(normalize_alias(learner.organization))
            if by_alias is not None:
                return by_alias, AssignmentReason.ALIAS
        return None


@dataclass(frozen=True, slots=True)
class MatchKeys:
    """What to look up to build a ``ClientIndex`` for some learners."""

    domains: frozenset[str]
    alias_keys: frozenset[str]

    @classmethod
    def of(cls, learners: Iterable[Learner]) -> MatchKeys:
        domains: set[str] = set()
        alias_keys: set[str] = set()
        for learner in learners:
            domains.update(email_domain_candidates(learner.email or ""))
            if learner.organization:
                alias_keys.add(normalize_alias(learner.organization))
        return cls(frozenset(domains), frozenset(alias_keys))
