"""Who the current request acts for, told to the services on every call they receive.

customer-account's activity log names the actor of each change: an admin (by username), the
customer, or an admin impersonating the customer. The guards set these per request; the
service client signs them into the service token of every call
(``trainyard_common.http.service_auth``), so no route can forget to pass them on and nobody
but the gateway can claim them.
"""

import hashlib
from contextvars import ContextVar

from trainyard_common.http.service_auth import Caller

_acting_admin: ContextVar[str | None] = ContextVar("acting_admin", default=None)
_impersonated_by: ContextVar[str | None] = ContextVar("impersonated_by", default=None)
_learner: ContextVar[str | None] = ContextVar("learner", default=None)
_learner_session: ContextVar[str | None] = ContextVar("learner_session", default=None)
_integration: ContextVar[str | None] = ContextVar("integration", default=None)

LEARNER_SESSION_HEADER = "X-Learner-Session"
"""The learner's own session (its token's SHA-256, as customer-account stores it): a password
change keeps that one session and ends the customer's others."""


def act_as_admin(username: str) -> None:
    _acting_admin.set(username)
    _integration.set(None)


def act_as_integration(name: str) -> None:
    """An LMS integration's request (its scopes were checked by the admin guard): the services
    see it as an admin action done by the integration ``name``, with no admin behind it."""
    _acting_admin.set(None)
    _integration.set(name)


def act_as_learner(impersonated_by: str | None, customer_id: object | None = None, token: str | None = None) -> None:
    """A learner's request (``customer_id``: the signed-in learner, whose routes alone it reaches)."""
    _impersonated_by.set(impersonated_by)
    _learner.set(None if customer_id is None else str(customer_id))
    _learner_session.set(None if token is None else hashlib.sha256(token.encode()).hexdigest())


def session_headers() -> dict[str, str]:
    """Names the signed-in learner's session on a call made for them (nothing otherwise)."""
    session = _learner_session.get()
    return {LEARNER_SESSION_HEADER: session} if session else {}


def current_caller() -> Caller:
    """What the service token of a call made now vouches for."""
    return Caller(
        admin=_acting_admin.get(),
        impersonated_by=_impersonated_by.get(),
        customer_id=_learner.get(),
        integration=_integration.get(),
    )
