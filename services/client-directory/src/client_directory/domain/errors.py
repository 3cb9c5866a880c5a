"""Errors the domain and the use cases raise; the app's handlers (``trainyard_common.http.errors``)
turn them into 404 / 409 / 422."""

from __future__ import annotations

from trainyard_common.domain_errors import Conflicting, InvalidInput, NotFoundError

__all__ = ["ConflictingInput", "InvalidInput", "LearnerPending", "NotFoundError"]


class ConflictingInput(Conflicting):
    """The change collides with existing data, e.g. a domain another active client owns (409)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason, field_name=field_name)


class LearnerPending(Conflicting):
    """Students enrolled before their registration reached client-directory: nothing can be
    changed about them until it does, a matter of seconds (409 ``learner_pending``: retry)."""

    def __init__(self, customer_ids: list[str]) -> None:
        super().__init__(
            "The learner's registration has not reached client-directory yet; retry in a few seconds.",
            code="learner_pending",
            field_name="customer_ids",
            field_reason=f"registration not arrived yet: {', '.join(customer_ids)}",
        )
