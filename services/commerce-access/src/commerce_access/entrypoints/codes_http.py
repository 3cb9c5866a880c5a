"""Registration codes: redeem (learner), who holds a purchaser's codes, remove a redemption."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from commerce_access.entrypoints.schemas import access_public, code_user
from commerce_access.service_layer.codes import redeem, remove_redemption
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.api.commerce import AccessPublic, Redemption, RegistrationCodeUserList
from trainyard_common.http.errors import http_errors

Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def add_code_routes(router: APIRouter, uow_factory: Callable[[], CommerceUnitOfWork]) -> None:
    UnitOfWork = Annotated[CommerceUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.post("/learners/{customer_id}/registration-codes/{code}/redeem", status_code=201, tags=["codes"])
    async def redeem_code(customer_id: uuid.UUID, code: Code, uow: UnitOfWork, response: Response) -> Redemption:
        """The learner takes the seat: access from today for the duration bought. 409 when someone
        else holds the code; 200 when this learner already does."""
        with http_errors():
            redeemed = await redeem(uow, code, customer_id)
        if not redeemed.created:
            response.status_code = 200
        return Redemption(
            code=redeemed.redemption.code,
            customer_id=customer_id,
            redeemed_at=redeemed.redemption.redeemed_at,
            access=access_public(redeemed.access),
        )

    @router.get("/customers/{customer_id}/registration-code-users", tags=["codes"])
    async def code_users(customer_id: uuid.UUID, uow: UnitOfWork) -> RegistrationCodeUserList:
        """Who holds the customer's codes now (pending invitations are not listed)."""
        async with uow:
            rows = await uow.codes.users(customer_id)
        return RegistrationCodeUserList(items=[code_user(r) for r in rows], total=len(rows))

    @router.delete("/registration-codes/{code}/redemption", tags=["codes"])
    async def remove(code: Code, uow: UnitOfWork) -> AccessPublic:
        """The user's access is revoked (AccessRevoked); the code returns to the purchaser."""
        with http_errors():
            return access_public(await remove_redemption(uow, code))
