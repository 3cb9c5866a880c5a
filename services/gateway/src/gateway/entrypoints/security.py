"""The one gate in front of every /api/v1/admin route.

``admin_guard`` is a router-level dependency of the admin router, so no admin route can be
added without it: a valid bearer token (401 otherwise, with ``WWW-Authenticate: Bearer``),
then a role allowed to use the request's method (403 otherwise: viewers only read).
Routes that need to know who is acting depend on the same guard; FastAPI runs it once.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.adapters.actors import act_as_admin
from gateway.domain.admins import Principal
from gateway.entrypoints.errors import AuthenticationRequired
from gateway.service_layer.auth import authenticate
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.errors import Forbidden

PRINCIPAL_STATE = "principal"
Guard = Callable[..., Awaitable[Principal]]

bearer_scheme = HTTPBearer(auto_error=False, description="An admin token from POST /api/v1/auth/token.")


def admin_guard(uow_factory: Callable[[], GatewayUnitOfWork]) -> Guard:
    async def guard(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Principal:
        if credentials is None:
            raise AuthenticationRequired("A bearer token is required.")
        async with uow_factory() as uow:
            principal = await authenticate(uow, credentials.credentials, now=datetime.now(UTC))
        if principal is None:
            raise AuthenticationRequired("The token is unknown, expired or revoked.")
        setattr(request.state, PRINCIPAL_STATE, principal)
        act_as_admin(principal.username)
        if not principal.role.may(request.method):
            raise Forbidden(f"The {principal.role} role may only read.")
        return principal

    return guard
