"""The signed-in learner's own account (the gateway passes the customer id from the session)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from customer_account.entrypoints.deps import LearnerActor, UnitOfWork
from customer_account.entrypoints.responses import current_details
from customer_account.service_layer import accounts, sessions
from trainyard_common.api.customers import CustomerDetails, CustomerUpdate, PasswordChange
from trainyard_common.http.errors import ErrorBody

SESSION_HEADER = "X-Learner-Session"
"""The gateway names the session a request comes from: the SHA-256 (hex) of its token."""

router = APIRouter(prefix="/v1", tags=["learners"])


@router.get("/learners/{customer_id}/profile", responses={404: {"model": ErrorBody}})
async def profile(customer_id: uuid.UUID, uow: UnitOfWork) -> CustomerDetails:
    return await current_details(uow, customer_id)


@router.patch("/learners/{customer_id}/profile", responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def edit(customer_id: uuid.UUID, body: CustomerUpdate, actor: LearnerActor, uow: UnitOfWork) -> CustomerDetails:
    """The learner edits their profile; while impersonated the change is the admin's."""
    await accounts.edit_profile(uow, customer_id, body.model_dump(exclude_unset=True, mode="json"), actor)
    return await current_details(uow, customer_id)


@router.put(
    "/learners/{customer_id}/password",
    status_code=204,
    responses={
        404: {"model": ErrorBody},
        422: {"model": ErrorBody, "description": "`wrong_password`, or `weak_password` (the password policy)"},
        503: {"model": ErrorBody, "description": "`busy`: too many password checks at once; see Retry-After"},
    },
)
async def change_password(
    customer_id: uuid.UUID,
    body: PasswordChange,
    actor: LearnerActor,
    uow: UnitOfWork,
    session: Annotated[str | None, Header(alias=SESSION_HEADER, max_length=64)] = None,
) -> Response:
    """The learner's own change (also what an expired or must-change password allows). Every
    other session of the customer ends; the one named by ``X-Learner-Session`` stays (without
    it, all end)."""
    await sessions.change_own_password(
        uow, customer_id, body.current_password, body.new_password, actor, keep_session=session
    )
    return Response(status_code=204)
