"""What the service layer needs from the outside world, as protocols (fakes in unit tests)."""

from __future__ import annotations

from typing import Protocol

from gateway.domain.replies import ServiceReply


class Passwords(Protocol):
    """Slow, CPU-bound hashing: the service layer calls it through ``asyncio.to_thread``."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password, and (after the same work) for ``password_hash=None``."""
        ...


class Service(Protocol):
    """One service behind the gateway; ``call`` raises ``ServiceUnavailable`` when it cannot answer."""

    @property
    def name(self) -> str: ...

    async def call(self, method: str, path: str, *, timeout_seconds: float | None = None) -> ServiceReply: ...


class ServiceSet(Protocol):
    """Every service behind the gateway."""

    @property
    def customer_account(self) -> Service: ...

    @property
    def client_directory(self) -> Service: ...

    @property
    def commerce_access(self) -> Service: ...

    @property
    def training_progress(self) -> Service: ...

    def all(self) -> tuple[Service, ...]: ...
