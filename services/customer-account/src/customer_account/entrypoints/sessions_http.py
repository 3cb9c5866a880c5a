"""Learner sessions: sign-in, introspection (the gateway's learner guard), sign-out, impersonation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from customer_account.entrypoints.deps import ReadingUnitOfWork, Sessions, UnitOfWork
from customer_account.service_layer import sessions
from trainyard_common.api.customers import (
    ImpersonationCreate,
    ImpersonationIssued,
    SessionCreate,
    SessionIntrospection,
    SessionIntrospections,
    TokenBody,
    TokenIssued,
    TokensBody,
)
from trainyard_common.http.errors import ErrorBody, ErrorDetail, Unauthorized, error_response

router = APIRouter(prefix="/v1", tags=["sessions"])

REFUSED = {"locked": "account_locked", "inactive": "account_inactive"}


@router.post(
    "/sessions",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": TokenIssued},
        401: {"model": ErrorBody, "description": "`invalid_credentials` (wrong password or unknown e-mail)"},
        403: {"model": ErrorBody, "description": "`account_locked` / `account_inactive`, whatever the password"},
        429: {"model": ErrorBody, "description": "`too_many_attempts` for this account or address; see Retry-After"},
        503: {"model": ErrorBody, "description": "`busy`: too many password checks at once; see Retry-After"},
    },
)
async def sign_in(body: SessionCreate, uow: UnitOfWork, config: Sessions) -> Response:
    """Sign a learner in; every attempt lands in the login history."""
    # The refusals are answered here: 401, 403 and 429 (with Retry-After) have no domain error.
    # 403 is the same to a right and a wrong password: it tells nothing about the password.
    try:
        issued = await sessions.sign_in(uow, config, body.email, body.password, body.ip)
    except sessions.TooManyAttempts as exc:
        return _too_many_attempts(exc.retry_after)
    except sessions.InvalidCredentials:
        return error_response(401, "invalid_credentials", "The e-mail or password is wrong.")
    except sessions.SignInRefused as exc:
        return error_response(403, REFUSED[exc.status.value], f"The account is {exc.status.value}.")
    token = TokenIssued(
        access_token=issued.token,
        expires_in=issued.expires_in,
        customer_id=issued.customer_id,
        password_change_required=issued.password_change_required,
    )
    return JSONResponse(token.model_dump(mode="json"), status_code=201)


def _too_many_attempts(retry_after: int) -> Response:
    response = error_response(
        429,
        "too_many_attempts",
        f"Too many failed sign-ins; retry in {retry_after}s.",
        # also in the body: the gateway passes bodies on, and sets its own Retry-After from this
        [ErrorDetail(field="retry_after", reason=str(retry_after))],
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/sessions/introspect", responses={401: {"model": ErrorBody}})
async def introspect(body: TokenBody, uow: ReadingUnitOfWork) -> SessionIntrospection:
    """Whether a learner token is good now. It only reads: two statements in autocommit, no BEGIN
    and ROLLBACK around them."""
    found = await sessions.introspect(uow, body.token)
    if found is None:
        raise Unauthorized("The token is unknown, expired or ended.", code="invalid_token")
    return _introspection(found)


@router.post("/sessions/introspect-many")
async def introspect_many(body: TokensBody, uow: ReadingUnitOfWork) -> SessionIntrospections:
    """Many learner tokens at once, answered in their order (null: not live): the gateway's learner
    guard asks about every token in use about once a second, gathered into one call."""
    found = await sessions.introspect_many(uow, body.tokens)
    return SessionIntrospections(sessions=[None if info is None else _introspection(info) for info in found])


def _introspection(found: sessions.SessionInfo) -> SessionIntrospection:
    return SessionIntrospection(
        customer_id=found.customer_id,
        impersonated_by=found.impersonated_by,
        password_change_required=found.password_change_required,
        expires_at=found.expires_at,
        admin_token=found.admin_token_hash,
    )


@router.post("/sessions/revoke", status_code=204)
async def revoke(body: TokenBody, uow: UnitOfWork) -> Response:
    """Sign-out (an unknown token is already signed out)."""
    await sessions.revoke(uow, body.token)
    return Response(status_code=204)


@router.post(
    "/customers/{customer_id}/impersonations",
    status_code=201,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
async def impersonate(
    customer_id: uuid.UUID, body: ImpersonationCreate, uow: UnitOfWork, config: Sessions
) -> ImpersonationIssued:
    """A short-lived learner token for an admin, recorded in the customer's activity log."""
    issued = await sessions.impersonate(uow, config, customer_id, body.admin, body.admin_token)
    return ImpersonationIssued(access_token=issued.token, expires_in=issued.expires_in)
