"""Who the current request acts for, told to the services on every call they receive.

customer-account's activity log names the actor of each change: an admin (by username), the
customer, or an admin impersonating the customer. The guards set these per request; the
service client turns them into headers, so no route can forget to pass them on.
"""

from contextvars import ContextVar

ACTOR_ADMIN_HEADER = "X-Actor-Admin"
IMPERSONATED_BY_HEADER = "X-Impersonated-By"

_acting_admin: ContextVar[str | None] = ContextVar("acting_admin", default=None)
_impersonated_by: ContextVar[str | None] = ContextVar("impersonated_by", default=None)


def act_as_admin(username: str) -> None:
    _acting_admin.set(username)


def act_as_learner(impersonated_by: str | None) -> None:
    _impersonated_by.set(impersonated_by)


def actor_headers() -> dict[str, str]:
    headers: dict[str, str] = {}
    if (admin := _acting_admin.get()) is not None:
        headers[ACTOR_ADMIN_HEADER] = admin
    if (impersonator := _impersonated_by.get()) is not None:
        headers[IMPERSONATED_BY_HEADER] = impersonator
    return headers
