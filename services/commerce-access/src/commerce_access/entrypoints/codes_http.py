"""Registration codes: redeem and invite (learner), who holds a purchaser's codes, their states,
remove a redemption."""

import uuid
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse

from commerce_access.entrypoints.deps import Impersonator, PurchaserKeys, UnitOfWork
from commerce_access.entrypoints.schemas import access_public, code_state, code_user
from commerce_access.service_layer.codes import code_states, invite, redeem, remove_redemption
from trainyard_common.api.commerce import (
    AccessPublic,
    CodeInvitation,
    CodeInvitationCreate,
    Redemption,
    RegistrationCodeStateList,
    RegistrationCodeUserList,
)
from trainyard_common.http.errors import ErrorBody, error_response
from trainyard_common.privacy.key_source import KeysUnavailable

KEYS_RETRY_AFTER_SECONDS = 5
"""Retry-After of the 503 when customer-account cannot give the purchaser's key."""

Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]

router = APIRouter(prefix="/v1", tags=["codes"])


@router.post("/learners/{customer_id}/registration-codes/{code}/redeem", status_code=201)
async def redeem_code(
    customer_id: uuid.UUID, code: Code, uow: UnitOfWork, response: Response, impersonated_by: Impersonator
) -> Redemption:
    """The learner takes the seat: access from today for the duration bought. 409 when someone
    else holds the code; 200 when this learner already does. An admin impersonating the learner
    is kept with the redemption and told in AccessGranted."""
    redeemed = await redeem(uow, code, customer_id, impersonated_by=impersonated_by)
    if not redeemed.created:
        response.status_code = 200
    return Redemption(
        code=redeemed.redemption.code,
        customer_id=customer_id,
        redeemed_at=redeemed.redemption.redeemed_at,
        access=access_public(redeemed.access),
    )


@router.get("/customers/{customer_id}/registration-code-users")
async def code_users(customer_id: uuid.UUID, uow: UnitOfWork) -> RegistrationCodeUserList:
    """Who holds the customer's codes now (pending invitations are not listed)."""
    async with uow:
        rows = await uow.codes.users(customer_id)
    return RegistrationCodeUserList(items=[code_user(r) for r in rows], total=len(rows))


@router.delete("/registration-codes/{code}/redemption")
async def remove(code: Code, uow: UnitOfWork) -> AccessPublic:
    """The user's access is revoked (AccessRevoked); the code returns to the purchaser."""
    return access_public(await remove_redemption(uow, code))


@router.post(
    "/learners/{customer_id}/registration-codes/{code}/invitation",
    status_code=201,
    responses={
        503: {"model": ErrorBody, "description": "`service_unavailable`: customer-account is away; see Retry-After"}
    },
)
async def invite_to_code(
    customer_id: uuid.UUID,
    code: Code,
    body: CodeInvitationCreate,
    *,
    uow: UnitOfWork,
    impersonated_by: Impersonator,
    keys: PurchaserKeys,
) -> CodeInvitation:
    """The purchaser invites someone by e-mail (customer-account sends the code and a link).
    404 when the code is not this learner's; 409 when it is redeemed, or `customer_erased` when
    the purchaser was erased; inviting again replaces the pending invitation. The event carries
    the e-mail sealed with the purchaser's key: 503 with Retry-After, nothing written, when
    customer-account cannot give it."""
    made = await invite(uow, code, customer_id, str(body.email), key_of=keys, impersonated_by=impersonated_by)
    return CodeInvitation(code=made.code, email=made.invitee_email, invited_at=made.invited_at, invited_by=customer_id)


@router.get("/customers/{customer_id}/registration-codes")
async def registration_codes(customer_id: uuid.UUID, uow: UnitOfWork) -> RegistrationCodeStateList:
    """Each code the customer bought: available, pending_invite (to whom, since) or redeemed (by whom)."""
    rows = await code_states(uow, customer_id)
    return RegistrationCodeStateList(items=[code_state(r) for r in rows], total=len(rows))


def install_key_errors(app: FastAPI) -> None:
    """Answer ``KeysUnavailable`` (customer-account away: no key to seal with) with 503 and Retry-After."""

    async def _unavailable(_: Request, __: KeysUnavailable) -> JSONResponse:
        response = error_response(
            503, "service_unavailable", "The purchaser's key cannot be obtained now; try again shortly."
        )
        response.headers["Retry-After"] = str(KEYS_RETRY_AFTER_SECONDS)
        return response

    app.add_exception_handler(KeysUnavailable, _unavailable)  # type: ignore[arg-type]
