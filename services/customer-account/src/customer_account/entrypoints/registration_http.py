"""Public registration from the learner site."""

from __future__ import annotations

from fastapi import APIRouter

from customer_account.adapters.passwords import hash_async
from customer_account.entrypoints.context import Context, http_errors
from customer_account.entrypoints.views import details_of
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from trainyard_common.api.customers import CustomerDetails, RegistrationCreate
from trainyard_common.http.errors import ErrorBody


def add_registration_routes(router: APIRouter, ctx: Context) -> None:
    @router.post(
        "/registrations",
        status_code=201,
        tags=["customers"],
        responses={409: {"model": ErrorBody, "description": "`email_taken`"}},
    )
    async def register(body: RegistrationCreate) -> CustomerDetails:
        password_hash = await hash_async(body.password)
        command = RegisterCustomer(
            first_name=body.first_name,
            last_name=body.last_name,
            email=str(body.email),
            password_hash=password_hash,
            organization=body.organization,
            welcome=ctx.settings.welcome_email_on_registration,
        )
        uow = ctx.uow_factory()
        with http_errors():
            async with uow:
                customer = await register_customer(uow, command)
                return await details_of(uow, customer)
