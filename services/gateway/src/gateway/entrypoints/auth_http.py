"""POST /api/v1/auth/token: admin sign-in; DELETE /api/v1/auth/token: sign-out."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from gateway.entrypoints.deps import Passwords, Settings, UnitOfWork
from gateway.entrypoints.errors import AuthenticationRequired
from gateway.entrypoints.paths import AUTH
from gateway.entrypoints.schemas import TokenRequest, TokenResponse
from gateway.entrypoints.security import BearerToken
from gateway.service_layer.auth import SignIn, SignInThrottle, sign_in, sign_out
from trainyard_common.http.errors import ErrorBody

router = APIRouter(prefix=AUTH, tags=["auth"])


@router.post(
    "/token",
    responses={
        401: {"model": ErrorBody, "description": "Wrong username or password."},
        429: {"model": ErrorBody, "description": "Too many failed sign-ins; see `Retry-After`."},
    },
)
async def issue_token(
    body: TokenRequest, request: Request, uow: UnitOfWork, passwords: Passwords, settings: Settings
) -> TokenResponse:
    """Exchange an admin's username and password for a bearer token."""
    client_ip = request.client.host if request.client else None
    throttle = SignInThrottle(
        window_seconds=settings.sign_in_window_seconds,
        max_failures_per_username=settings.sign_in_max_failures_per_username,
        max_failures_per_ip=settings.sign_in_max_failures_per_ip,
    )
    async with uow:
        signed_in = await sign_in(
            uow,
            SignIn(body.username, body.password, client_ip),
            passwords=passwords,
            ttl_seconds=settings.token_ttl_seconds,
            now=datetime.now(UTC),
            throttle=throttle,
        )
    return TokenResponse(access_token=signed_in.access_token, expires_in=signed_in.expires_in, role=signed_in.role)


@router.delete(
    "/token",
    status_code=204,
    response_class=Response,
    responses={401: {"model": ErrorBody, "description": "Missing, unknown or already revoked token."}},
)
async def revoke_token(credentials: BearerToken, uow: UnitOfWork) -> Response:
    """Sign out: the bearer token stops working at once."""
    if credentials is None:
        raise AuthenticationRequired("A bearer token is required.")
    async with uow:
        revoked = await sign_out(uow, credentials.credentials, now=datetime.now(UTC))
    if not revoked:
        raise AuthenticationRequired("The token is unknown or already revoked.")
    return Response(status_code=204)
