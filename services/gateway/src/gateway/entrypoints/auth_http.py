"""POST /api/v1/auth/token: admin sign-in; DELETE /api/v1/auth/token: sign-out;
PUT /api/v1/auth/password: the signed-in admin changes their own password."""

from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request, Response

from gateway.domain.admins import Principal
from gateway.domain.tokens import hash_token
from gateway.entrypoints.deps import Passwords, Settings, UnitOfWork
from gateway.entrypoints.errors import HASHING_RESPONSES, AuthenticationRequired
from gateway.entrypoints.paths import AUTH
from gateway.entrypoints.schemas import OwnPasswordChange, TokenRequest, TokenResponse
from gateway.entrypoints.security import BearerToken
from gateway.service_layer.admin_accounts import ChangeOwnPassword, change_own_password
from gateway.service_layer.auth import SignIn, SignInThrottle, authenticate, sign_in, sign_out
from gateway.settings import Settings as GatewaySettings
from trainyard_common.http.errors import ErrorBody
from trainyard_common.passwords.gate import ARGON2_MEMORY_BYTES, HashingGate

router = APIRouter(prefix=AUTH, tags=["auth"])

GATE_STATE = "hashing_gate"


def hashing_gate(request: Request) -> HashingGate:
    """The app's one bound on concurrent argon2id hashes, sized from memory on first use (or set
    on ``app.state.hashing_gate`` beforehand)."""
    state = request.app.state
    gate = cast(HashingGate | None, getattr(state, GATE_STATE, None))
    if gate is None:
        settings = cast(GatewaySettings, state.settings)
        gate = HashingGate.sized_for(
            settings.hashing_memory_bytes,
            ARGON2_MEMORY_BYTES,
            wait_seconds=settings.hashing_wait_seconds,
            retry_after_seconds=settings.hashing_retry_after_seconds,
        )
        setattr(state, GATE_STATE, gate)
    return gate


HashGate = Annotated[HashingGate, Depends(hashing_gate)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post(
    "/token",
    responses={
        401: {"model": ErrorBody, "description": "Wrong username or password."},
        429: {
            "model": ErrorBody,
            "description": "Too many failed sign-ins for this username from this address, or from this address; "
            "see `Retry-After`.",
        },
        **HASHING_RESPONSES,
    },
)
async def issue_token(
    *, body: TokenRequest, request: Request, uow: UnitOfWork, passwords: Passwords, settings: Settings, gate: HashGate
) -> TokenResponse:
    """Exchange an admin's username and password for a bearer token. Repeated failures for a
    username slow its sign-ins down (growing delays) without blocking the right password from
    another address."""
    throttle = SignInThrottle(
        window_seconds=settings.sign_in_window_seconds,
        max_failures_per_username=settings.sign_in_max_failures_per_username,
        max_failures_per_ip=settings.sign_in_max_failures_per_ip,
        max_failures_per_username_and_ip=settings.sign_in_max_failures_per_username_and_ip,
        delay_base_seconds=settings.sign_in_delay_base_seconds,
        delay_max_seconds=settings.sign_in_delay_max_seconds,
    )
    async with uow:
        signed_in = await sign_in(
            uow,
            SignIn(body.username, body.password, client_address(request)),
            passwords=passwords,
            ttl_seconds=settings.token_ttl_seconds,
            now=datetime.now(UTC),
            throttle=throttle,
            gate=gate,
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


@router.put(
    "/password",
    status_code=204,
    response_class=Response,
    responses={
        401: {"model": ErrorBody, "description": "Missing, unknown, expired or revoked bearer token."},
        422: {"model": ErrorBody, "description": "`wrong_password` or `weak_password` (the policy's reason)."},
        **HASHING_RESPONSES,
    },
)
async def change_password(
    *,
    body: OwnPasswordChange,
    request: Request,
    credentials: BearerToken,
    uow: UnitOfWork,
    passwords: Passwords,
    gate: HashGate,
) -> Response:
    """The signed-in admin (any role) changes their own password; their other tokens end at once,
    the one used here stays. Audited as `password-change`."""
    principal, token_hash = await _signed_in(credentials, uow)
    command = ChangeOwnPassword(
        admin_id=principal.admin_id,
        current_password=body.current_password,
        new_password=body.new_password,
        token_hash=token_hash,
        client_ip=client_address(request),
    )
    async with uow:
        await change_own_password(uow, command, passwords=passwords, now=datetime.now(UTC), gate=gate)
    return Response(status_code=204)


async def _signed_in(credentials: BearerToken, uow: UnitOfWork) -> tuple[Principal, str]:
    if credentials is None:
        raise AuthenticationRequired("A bearer token is required.")
    async with uow:
        principal = await authenticate(uow, credentials.credentials, now=datetime.now(UTC))
    if principal is None:
        raise AuthenticationRequired("The token is unknown, expired or revoked.")
    return principal, hash_token(credentials.credentials)
