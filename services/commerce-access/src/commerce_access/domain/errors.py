"""Errors the domain and the use cases raise; the app's handlers (``trainyard_common.http.errors``)
turn them into 404 / 409 / 422."""

from __future__ import annotations

from trainyard_common.domain_errors import Conflicting, InvalidInput, NotFoundError

__all__ = ["ConflictingState", "InvalidInput", "NotFoundError"]


class ConflictingState(Conflicting):
    """The request collides with the current state, e.g. a code already redeemed (409 with ``code``)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason, code=code)
