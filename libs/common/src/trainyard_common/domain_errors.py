"""Errors a service's domain and use cases raise, knowing nothing of HTTP.

``trainyard_common.http.errors.http_errors`` turns them into the error body: 422 naming the
field, 409 with its code, 404. Services subclass them for their own wording.
"""

from __future__ import annotations


class InvalidInput(ValueError):
    """A field breaks a rule (422)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


class Conflicting(Exception):
    """The request collides with existing data or the current state (409)."""

    def __init__(self, reason: str, *, code: str | None = None, field_name: str | None = None) -> None:
        super().__init__(f"{field_name}: {reason}" if field_name else reason)
        self.reason = reason
        self.code = code
        self.field_name = field_name


class NotFoundError(LookupError):
    """The thing addressed does not exist (404)."""
