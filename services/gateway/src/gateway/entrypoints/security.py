"""The one gate in front of every /api/v1/admin route.

``admin_guard`` is a router-level dependency of every admin router (``admin_router``), so no
admin route can be added without it: a valid bearer token (401 otherwise, with ``WWW-Authenticate:
Bearer``), then a role allowed to use the request's method (403 otherwise: viewers only read).
Routes that need to know who is acting depend on ``Admin``; FastAPI runs the guard once.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.adapters.actors import act_as_admin
from gateway.domain.admins import Principal
from gateway.entrypoints.deps import UnitOfWork
from gateway.entrypoints.errors import AUTH_RESPONSES, ERROR_RESPONSES, AuthenticationRequired
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.auth import authenticate
from trainyard_common.http.errors import Forbidden

PRINCIPAL_STATE = "principal"

bearer_scheme = HTTPBearer(auto_error=False, description="An admin token from POST /api/v1/auth/token.")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def admin_guard(request: Request, credentials: BearerToken, uow: UnitOfWork) -> Principal:
    if credentials is None:
        raise AuthenticationRequired("A bearer token is required.")
    async with uow:
        principal = await authenticate(uow, credentials.credentials, now=datetime.now(UTC))
    if principal is None:
        raise AuthenticationRequired("The token is unknown, expired or revoked.")
    setattr(request.state, PRINCIPAL_STATE, principal)  # for the audit entry (auditing.py)
    act_as_admin(principal.username)
    if not principal.role.may(request.method):
        raise Forbidden(f"The {principal.role} role may only read.")
    return principal


Admin = Annotated[Principal, Depends(admin_guard)]


def admin_router(*, tags: list[str]) -> APIRouter:
    """A router of the admin API: under /api/v1/admin, behind the guard, documenting its refusals.

    Each area makes its own (rather than being included in one admin router) so that a route's
    path, as the audit log and the metrics name it, is its whole public path.
    """
    return APIRouter(
        prefix=ADMIN,
        tags=list(tags),
        dependencies=[Depends(admin_guard)],
        responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
    )
