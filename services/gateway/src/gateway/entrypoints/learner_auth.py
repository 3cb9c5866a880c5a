"""The gate in front of the learner API: a learner session issued by customer-account.

Learner sessions live in customer-account, next to lockout and login history: a status
change there ends them at once, and the gateway asks it whether each token in use is still good
(``adapters.session_checks``: many tokens to a call). A session whose password must be changed
first may only change it (or sign out).

An impersonation session names the admin token it was started with (its SHA-256): it is
honoured only while that token is live in the gateway's own database, so an admin who signs
out, whose token is revoked or expires, or who is disabled ends their impersonations at once.

Both answers come from short-lived in-process caches (``adapters.token_cache``: at most
``TRAINYARD_TOKEN_CACHE_SECONDS``, ≤ 1 s), so a session ended or a customer locked in
customer-account is refused within that second without a round trip per request. A request that
ends sessions itself (sign-out, password change) forgets them here as it passes the gate, and
for as long as its call may take (``service_timeout_seconds``) no lookup of them is cached.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.adapters.actors import act_as_learner
from gateway.adapters.token_cache import ADMIN_TOKENS, LEARNER_SESSIONS, admin_tag, customer_tag
from gateway.domain.admins import Principal
from gateway.domain.tokens import hash_token
from gateway.entrypoints.deps import app_session_checks, app_settings, new_unit_of_work
from gateway.entrypoints.errors import AuthenticationRequired
from gateway.entrypoints.paths import LEARNER
from gateway.service_layer.auth import live_admin
from gateway.settings import Settings as GatewaySettings
from trainyard_common.http.errors import Forbidden

# What a session that must change its password may still do.
PASSWORD_CHANGE_ROUTES = frozenset({("PUT", f"{LEARNER}/password"), ("DELETE", f"{LEARNER}/sessions/current")})
SIGN_OUT = ("DELETE", f"{LEARNER}/sessions/current")  # ends this session
PASSWORD_CHANGE = ("PUT", f"{LEARNER}/password")  # ends the customer's other sessions

learner_bearer = HTTPBearer(
    scheme_name="LearnerBearer",
    auto_error=False,
    description="A learner token from POST /api/v1/learner/sessions (or an admin's impersonation).",
)


@dataclass(frozen=True, slots=True)
class LearnerIdentity:
    customer_id: uuid.UUID
    impersonated_by: str | None
    token: str


async def learner_guard(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)]
) -> LearnerIdentity:
    # The services, the settings and a unit of work come from the app, not as dependencies: the
    # guard runs on every learner request and mostly answers from the cache (see deps.py).
    if credentials is None:
        raise AuthenticationRequired("A learner bearer token is required.")
    settings = app_settings(request)
    token_hash = hash_token(credentials.credentials)

    checks = app_session_checks(request)

    async def introspected(waiting: bool = True) -> tuple[dict[str, Any], str] | None:
        answer = await checks.check(credentials.credentials, waiting=waiting)
        return None if answer is None else (answer, customer_tag(answer["customer_id"]))

    session = await LEARNER_SESSIONS.lookup(
        token_hash,
        introspected,
        ttl=settings.token_cache_seconds,
        refresh=lambda: introspected(waiting=False),
    )
    if session is None:
        raise AuthenticationRequired("The token is unknown, expired or ended.")
    admin_token = session.get("admin_token")
    if session.get("impersonated_by") and not await _admin_still_signed_in(request, admin_token, settings):
        raise AuthenticationRequired("The impersonation ended with the admin's session.")
    _forget_what_this_request_ends(request, token_hash, session, hold=settings.service_timeout_seconds)
    identity = LearnerIdentity(
        customer_id=uuid.UUID(session["customer_id"]),
        impersonated_by=session.get("impersonated_by"),
        token=credentials.credentials,
    )
    act_as_learner(identity.impersonated_by, identity.customer_id, identity.token)
    if session.get("password_change_required") and (request.method, request.url.path) not in PASSWORD_CHANGE_ROUTES:
        raise Forbidden("The password must be changed first.", code="password_change_required")
    return identity


async def _admin_still_signed_in(request: Request, admin_token: object, settings: GatewaySettings) -> bool:
    """An impersonation without its admin token (started before tokens were kept) is not honoured."""
    if not isinstance(admin_token, str) or not admin_token:
        return False

    async def from_the_database() -> tuple[Principal, str] | None:
        async with new_unit_of_work(request) as uow:
            principal = await live_admin(uow, admin_token, now=datetime.now(UTC))
        return None if principal is None else (principal, admin_tag(principal.admin_id))

    principal = await ADMIN_TOKENS.lookup(admin_token, from_the_database, ttl=settings.token_cache_seconds)
    return principal is not None and principal.integration is None


def _forget_what_this_request_ends(request: Request, token_hash: str, session: dict[str, object], hold: float) -> None:
    """A sign-out ends this session, a password change the customer's others: forget them now."""
    route = (request.method, request.url.path)
    if route == SIGN_OUT:
        LEARNER_SESSIONS.end(key=token_hash, hold=hold)
    elif route == PASSWORD_CHANGE:
        LEARNER_SESSIONS.end(tag=customer_tag(session["customer_id"]), hold=hold)


Learner = Annotated[LearnerIdentity, Depends(learner_guard)]
