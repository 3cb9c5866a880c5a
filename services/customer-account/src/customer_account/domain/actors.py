"""Who caused a change, as the activity log names them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"
    SYSTEM = "system"
    INTEGRATION = "integration"
    """An LMS integration acting with its client credentials (named)."""


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    name: str | None = None
    impersonated: bool = False
    """An admin acting through an impersonation token: the change is the admin's."""

    @classmethod
    def admin(cls, name: str) -> Actor:
        return cls(ActorKind.ADMIN, name)

    @classmethod
    def impersonating(cls, name: str) -> Actor:
        return cls(ActorKind.ADMIN, name, impersonated=True)

    @classmethod
    def integration(cls, name: str) -> Actor:
        return cls(ActorKind.INTEGRATION, name)

    @property
    def label(self) -> str:
        if self.kind is ActorKind.INTEGRATION:
            return f"integration {self.name}"
        if self.kind is ActorKind.ADMIN:
            return f"{self.name} (impersonating)" if self.impersonated else str(self.name)
        return self.kind.value


CUSTOMER = Actor(ActorKind.CUSTOMER)
SYSTEM = Actor(ActorKind.SYSTEM)
