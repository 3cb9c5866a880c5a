"""POST /api/v1/auth/token: admin sign-in; DELETE /api/v1/auth/token: sign-out."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from gateway.entrypoints.errors import AuthenticationRequired, SlowDown
from gateway.entrypoints.paths import AUTH
from gateway.entrypoints.schemas import TokenRequest, TokenResponse
from gateway.entrypoints.security import bearer_scheme
from gateway.service_layer.auth import (
    InvalidCredentials,
    SignIn,
    SignInThrottle,
    TooManyAttempts,
    sign_in,
    sign_out,
)
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.errors import ErrorBody


def auth_router(
    uow_factory: Callable[[], GatewayUnitOfWork],
    passwords: Passwords,
    *,
    ttl_seconds: int,
    throttle: SignInThrottle,
) -> APIRouter:
    router = APIRouter(prefix=AUTH, tags=["auth"])

    @router.post(
        "/token",
        responses={
            401: {"model": ErrorBody, "description": "Wrong username or password."},
            429: {"model": ErrorBody, "description": "Too many failed sign-ins; see `Retry-After`."},
        },
    )
    async def issue_token(body: TokenRequest, request: Request) -> TokenResponse:
        """Exchange an admin's username and password for a bearer token."""
        client_ip = request.client.host if request.client else None
        try:
            async with uow_factory() as uow:
                signed_in = await sign_in(
                    uow,
                    SignIn(body.username, body.password, client_ip),
                    passwords=passwords,
                    ttl_seconds=ttl_seconds,
                    now=datetime.now(UTC),
                    throttle=throttle,
                )
        except InvalidCredentials as exc:
            raise AuthenticationRequired("Wrong username or password.", code="invalid_credentials") from exc
        except TooManyAttempts as exc:
            raise SlowDown("Too many failed sign-ins; try again later.", retry_after=exc.retry_after) from exc
        return TokenResponse(access_token=signed_in.access_token, expires_in=signed_in.expires_in, role=signed_in.role)

    @router.delete(
        "/token",
        status_code=204,
        response_class=Response,
        responses={401: {"model": ErrorBody, "description": "Missing, unknown or already revoked token."}},
    )
    async def revoke_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Response:
        """Sign out: the bearer token stops working at once."""
        if credentials is None:
            raise AuthenticationRequired("A bearer token is required.")
        async with uow_factory() as uow:
            revoked = await sign_out(uow, credentials.credentials, now=datetime.now(UTC))
        if not revoked:
            raise AuthenticationRequired("The token is unknown or already revoked.")
        return Response(status_code=204)

    return router
