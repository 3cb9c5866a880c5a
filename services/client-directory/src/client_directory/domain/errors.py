"""Errors the domain and the use cases raise; the app's handlers (``trainyard_common.http.errors``)
turn them into 404 / 409 / 422."""

from __future__ import annotations

from trainyard_common.domain_errors import Conflicting, InvalidInput, NotFoundError

__all__ = ["ConflictingInput", "InvalidInput", "NotFoundError"]


class ConflictingInput(Conflicting):
    """The change collides with existing data, e.g. a domain another active client owns (409)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason, field_name=field_name)
