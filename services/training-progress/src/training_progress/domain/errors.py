"""What can go wrong in training-progress's use cases, in the domain's words (the HTTP layer maps them)."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """No such item, entry, customer, submission or import."""


class Invalid(DomainError):
    """The request contradicts a rule (a future date, a score on a course, ...): 422."""


class Conflict(DomainError):
    """The request clashes with the current state (a taken name, an exhausted quiz, a committed import): 409."""
