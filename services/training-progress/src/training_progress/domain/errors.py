"""What can go wrong in training-progress's use cases, in the domain's words.

Each derives from ``trainyard_common.domain_errors``, whose handlers answer for every service:
the message is both the error's headline and the reason given for ``field`` (the part of the
request it concerns; ``body`` when none is named).
"""

from __future__ import annotations

from trainyard_common.domain_errors import Conflicting, DomainError, InvalidInput, NotFoundError


class NotFound(NotFoundError):
    """No such item, entry, customer, submission or import: 404."""

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message, field_name=field)


class Invalid(InvalidInput):
    """The request contradicts a rule (a future date, a score on a course, ...): 422."""

    def __init__(self, message: str, *, field: str = "body", code: str | None = None) -> None:
        super().__init__(field, message, message=message, code=code)


class Conflict(Conflicting):
    """The request clashes with the current state (a taken name, an exhausted quiz, a committed import): 409."""

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__(message, field_name=field)


class NotAllowed(DomainError):
    """The learner may not do this (no live access to the module, a course or certification they
    would complete by hand, a quiz completed without a submission): 403 with ``code``
    (``entrypoints/http.py`` maps it; ``trainyard_common`` knows no 403 of the domain)."""

    def __init__(self, code: str, message: str, *, field: str) -> None:
        super().__init__(message, code=code, field_name=field)
