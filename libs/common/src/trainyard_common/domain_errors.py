"""Errors a service's domain and use cases raise, knowing nothing of HTTP.

Every service's own errors derive from these three; ``trainyard_common.http.errors`` maps them
(its handlers are installed on every service's app) to the one error body: 422 naming the
field, 409 with its code, 404. A route therefore only calls the use case.
"""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused: the caller's input or the current state, never a fault of ours."""

    def __init__(
        self, message: str, *, code: str | None = None, field_name: str | None = None, field_reason: str | None = None
    ) -> None:
        self.field_reason = field_reason or message
        super().__init__(f"{field_name}: {self.field_reason}" if field_name else message)
        self.message = message
        self.code = code
        self.field_name = field_name
        """What is wrong with ``field_name``, when that differs from the headline ``message``."""


class InvalidInput(DomainError, ValueError):
    """A field breaks a rule (422). ``message`` is the error's headline, ``reason`` the field's."""

    def __init__(
        self, field_name: str, reason: str, *, message: str = "The request is not valid.", code: str | None = None
    ) -> None:
        super().__init__(message, code=code, field_name=field_name, field_reason=reason)
        self.reason = reason


class Conflicting(DomainError):
    """The request collides with existing data or the current state (409)."""

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        field_name: str | None = None,
        field_reason: str | None = None,
    ) -> None:
        super().__init__(reason, code=code, field_name=field_name, field_reason=field_reason)
        self.reason = reason


class NotFoundError(DomainError, LookupError):
    """The thing addressed does not exist (404); ``field_name`` names where it was asked for."""

    def __init__(self, message: str = "Not found.", *, field_name: str | None = None) -> None:
        super().__init__(message, field_name=field_name)
