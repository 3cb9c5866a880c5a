"""What the service layer needs from the outside world, as protocols (fakes in unit tests)."""

from __future__ import annotations

from typing import Protocol


class Passwords(Protocol):
    """Slow, CPU-bound hashing: the service layer calls it through ``asyncio.to_thread``."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password, and (after the same work) for ``password_hash=None``."""
        ...
