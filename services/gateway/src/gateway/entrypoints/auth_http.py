"""POST /api/v1/auth/token: admin sign-in, or an LMS integration's client credentials grant;
DELETE /api/v1/auth/token: sign-out;
PUT /api/v1/auth/password: the signed-in admin changes their own password."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from gateway.domain.admins import Principal
from gateway.domain.tokens import hash_token
from gateway.entrypoints.deps import Passwords, Settings, UnitOfWork
from gateway.entrypoints.errors import HASHING_RESPONSES, AuthenticationRequired
from gateway.entrypoints.paths import AUTH
from gateway.entrypoints.schemas import (
    ClientCredentialsRequest,
    ClientCredentialsResponse,
    OwnPasswordChange,
    TokenRequest,
    TokenResponse,
)
from gateway.entrypoints.security import BearerToken
from gateway.service_layer.admin_accounts import ChangeOwnPassword, change_own_password
from gateway.service_layer.auth import SignIn, SignInThrottle, authenticate, sign_in, sign_out
from gateway.service_layer.integrations import ClientCredentials, InvalidClient, InvalidScope, issue_client_token
from gateway.settings import Settings as GatewaySettings
from trainyard_common.http.errors import BadRequest, ErrorBody
from trainyard_common.passwords.gate import ARGON2_MEMORY_BYTES, HashingGate

router = APIRouter(prefix=AUTH, tags=["auth"])

M = TypeVar("M", bound=BaseModel)

GATE_STATE = "hashing_gate"


async def hashing_gate(request: Request) -> HashingGate:
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


FORM = "application/x-www-form-urlencoded"
TOKEN_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [TokenRequest.model_json_schema(), ClientCredentialsRequest.model_json_schema()]}
            },
            FORM: {"schema": ClientCredentialsRequest.model_json_schema()},
        },
    }
}


@router.post(
    "/token",
    response_model=TokenResponse | ClientCredentialsResponse,
    openapi_extra=TOKEN_REQUEST_BODY,
    responses={
        400: {"model": ErrorBody, "description": "`unsupported_grant_type`, or `invalid_scope` (not granted)."},
        401: {
            "model": ErrorBody,
            "description": "Wrong username or password (`invalid_credentials`); unknown client id, wrong secret "
            "or revoked integration (`invalid_client`).",
        },
        429: {
            "model": ErrorBody,
            "description": "Too many failed sign-ins for this username from this address, or from this address; "
            "see `Retry-After`.",
        },
        **HASHING_RESPONSES,
    },
)
async def issue_token(
    *, request: Request, uow: UnitOfWork, passwords: Passwords, settings: Settings, gate: HashGate
) -> TokenResponse | ClientCredentialsResponse:
    """Exchange an admin's username and password (JSON) for a bearer token. Repeated failures for a
    username slow its sign-ins down (growing delays) without blocking the right password from
    another address.

    An LMS integration sends `grant_type=client_credentials` with its `client_id` and
    `client_secret` (and optionally `scope`), as JSON or as a form (RFC 6749 §4.4), and gets a
    short-lived token limited to its scopes."""
    payload = await _token_payload(request)
    throttle = SignInThrottle(
        window_seconds=settings.sign_in_window_seconds,
        max_failures_per_username=settings.sign_in_max_failures_per_username,
        max_failures_per_ip=settings.sign_in_max_failures_per_ip,
        max_failures_per_username_and_ip=settings.sign_in_max_failures_per_username_and_ip,
        delay_base_seconds=settings.sign_in_delay_base_seconds,
        delay_max_seconds=settings.sign_in_delay_max_seconds,
    )
    if isinstance(payload, dict) and payload.get("grant_type") not in (None, "password"):
        if payload["grant_type"] != "client_credentials":
            raise BadRequest("Only `client_credentials` (or a username and password).", code="unsupported_grant_type")
        grant = _validated(ClientCredentialsRequest, payload)
        credentials = ClientCredentials(grant.client_id, grant.client_secret, grant.scope, client_address(request))
        async with uow:
            try:
                issued = await issue_client_token(
                    uow,
                    credentials,
                    passwords=passwords,
                    ttl_seconds=settings.integration_token_ttl_seconds,
                    now=datetime.now(UTC),
                    throttle=throttle,
                    gate=gate,
                )
            except InvalidClient:
                raise AuthenticationRequired(
                    "Unknown client, wrong secret or revoked integration.", code="invalid_client"
                ) from None
            except InvalidScope:
                raise BadRequest("A requested scope is not granted to this client.", code="invalid_scope") from None
        return ClientCredentialsResponse(
            access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
        )
    body = _validated(TokenRequest, payload)
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


async def _token_payload(request: Request) -> Any:
    """The body: a form's fields, or the JSON (errors as FastAPI's own body validation gives them)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM:
        return dict((await request.form()).items())
    raw = await request.body()
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    try:
        return json.loads(raw)
    except ValueError as exc:
        error = {"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**error, "ctx": {"error": str(exc)}}]) from None


def _validated(model: type[M], payload: Any) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


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
