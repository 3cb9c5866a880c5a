"""Registration codes: redeem (learner), who holds a purchaser's codes, remove a redemption."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from commerce_access.entrypoints.deps import Impersonator, UnitOfWork
from commerce_access.entrypoints.schemas import access_public, code_user
from commerce_access.service_layer.codes import redeem, remove_redemption
from trainyard_common.api.commerce import AccessPublic, Redemption, RegistrationCodeUserList

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
