"""The signed-in learner's own account (the gateway passes the customer id from the session)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from customer_account.domain.actors import Actor
from customer_account.entrypoints.context import Context, http_errors, learner_actor
from customer_account.entrypoints.customers_http import _current, edit_profile
from customer_account.service_layer import sessions
from trainyard_common.api.customers import CustomerDetails, CustomerUpdate, PasswordChange
from trainyard_common.http.errors import ErrorBody, ErrorDetail, Unprocessable

LearnerActor = Annotated[Actor, Depends(learner_actor)]


def add_learner_routes(router: APIRouter, ctx: Context) -> None:
    @router.get("/learners/{customer_id}/profile", tags=["learners"], responses={404: {"model": ErrorBody}})
    async def profile(customer_id: uuid.UUID) -> CustomerDetails:
        return await _current(ctx, customer_id)

    @router.patch(
        "/learners/{customer_id}/profile",
        tags=["learners"],
        responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
    )
    async def edit(customer_id: uuid.UUID, body: CustomerUpdate, actor: LearnerActor) -> CustomerDetails:
        """The learner edits their profile; while impersonated the change is the admin's."""
        return await edit_profile(ctx, customer_id, body, actor)

    @router.put(
        "/learners/{customer_id}/password",
        status_code=204,
        tags=["learners"],
        responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody, "description": "`wrong_password`"}},
    )
    async def change_password(customer_id: uuid.UUID, body: PasswordChange, actor: LearnerActor) -> Response:
        """The learner's own change (also what an expired or must-change password allows)."""
        try:
            with http_errors():
                await sessions.change_own_password(
                    ctx.uow_factory(), customer_id, body.current_password, body.new_password, actor
                )
        except sessions.InvalidCredentials as exc:
            raise Unprocessable(
                "The current password is wrong.",
                code="wrong_password",
                details=[ErrorDetail(field="current_password", reason="does not match")],
            ) from exc
        return Response(status_code=204)
