"""The gate in front of the learner API: a learner session issued by customer-account.

Learner sessions live in customer-account, next to lockout and login history: a status
change there ends them at once, and every learner request asks it whether the token is still
good (``POST /v1/sessions/introspect``). A session whose password must be changed first may
only change it (or sign out).

An impersonation session names the admin token it was started with (its SHA-256): it is
honoured only while that token is live in the gateway's own database, so an admin who signs
out, whose token is revoked or expires, or who is disabled ends their impersonations at once.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.adapters.actors import act_as_learner
from gateway.entrypoints.deps import Services, UnitOfWork
from gateway.entrypoints.errors import AuthenticationRequired
from gateway.entrypoints.paths import LEARNER
from gateway.service_layer.auth import admin_token_live
from trainyard_common.http.errors import Forbidden

# What a session that must change its password may still do.
PASSWORD_CHANGE_ROUTES = frozenset({("PUT", f"{LEARNER}/password"), ("DELETE", f"{LEARNER}/sessions/current")})

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
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(learner_bearer)],
    services: Services,
    uow: UnitOfWork,
) -> LearnerIdentity:
    if credentials is None:
        raise AuthenticationRequired("A learner bearer token is required.")
    body = {"token": credentials.credentials}
    reply = await services.customer_account.call("POST", "/v1/sessions/introspect", body=body)
    if reply.status_code != 200:
        raise AuthenticationRequired("The token is unknown, expired or ended.")
    session = reply.json()
    if session.get("impersonated_by") and not await _admin_still_signed_in(uow, session.get("admin_token")):
        raise AuthenticationRequired("The impersonation ended with the admin's session.")
    identity = LearnerIdentity(
        customer_id=uuid.UUID(session["customer_id"]),
        impersonated_by=session.get("impersonated_by"),
        token=credentials.credentials,
    )
    act_as_learner(identity.impersonated_by, identity.customer_id, identity.token)
    if session.get("password_change_required") and (request.method, request.url.path) not in PASSWORD_CHANGE_ROUTES:
        raise Forbidden("The password must be changed first.", code="password_change_required")
    return identity


async def _admin_still_signed_in(uow: UnitOfWork, admin_token: object) -> bool:
    """An impersonation without its admin token (started before tokens were kept) is not honoured."""
    if not isinstance(admin_token, str) or not admin_token:
        return False
    async with uow:
        return await admin_token_live(uow, admin_token, now=datetime.now(UTC))


Learner = Annotated[LearnerIdentity, Depends(learner_guard)]
