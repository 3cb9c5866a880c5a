"""Errors the domain and the use cases raise; the HTTP layer turns them into 404 / 409 / 422."""

from __future__ import annotations


class InvalidInput(ValueError):
    """A field breaks a rule (422)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


class ConflictingState(Exception):
    """The request collides with the current state, e.g. a code already redeemed (409)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class NotFoundError(LookupError):
    """The thing addressed does not exist (404)."""
