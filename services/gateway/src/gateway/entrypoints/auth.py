"""POST /api/v1/auth/token: admin sign-in."""

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter

from gateway.entrypoints.errors import AuthenticationRequired
from gateway.entrypoints.paths import AUTH
from gateway.entrypoints.schemas import TokenRequest, TokenResponse
from gateway.service_layer.auth import InvalidCredentials, SignIn, sign_in
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.errors import ErrorBody


def auth_router(uow_factory: Callable[[], GatewayUnitOfWork], passwords: Passwords, *, ttl_seconds: int) -> APIRouter:
    router = APIRouter(prefix=AUTH, tags=["auth"])

    @router.post("/token", responses={401: {"model": ErrorBody, "description": "Wrong username or password."}})
    async def issue_token(body: TokenRequest) -> TokenResponse:
        """Exchange an admin's username and password for a bearer token."""
        try:
            async with uow_factory() as uow:
                signed_in = await sign_in(
                    uow,
                    SignIn(body.username, body.password),
                    passwords=passwords,
                    ttl_seconds=ttl_seconds,
                    now=datetime.now(UTC),
                )
        except InvalidCredentials as exc:
            raise AuthenticationRequired("Wrong username or password.", code="invalid_credentials") from exc
        return TokenResponse(access_token=signed_in.access_token, expires_in=signed_in.expires_in, role=signed_in.role)

    return router
