"""Public registration from the learner site."""

from __future__ import annotations

from fastapi import APIRouter

from customer_account.adapters.passwords import hash_chosen
from customer_account.entrypoints.deps import Settings, UnitOfWork
from customer_account.entrypoints.responses import details_of
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from trainyard_common.api.customers import CustomerDetails, RegistrationCreate
from trainyard_common.http.errors import ErrorBody

router = APIRouter(prefix="/v1", tags=["customers"])


@router.post("/registrations", status_code=201, responses={409: {"model": ErrorBody, "description": "`email_taken`"}})
async def register(body: RegistrationCreate, uow: UnitOfWork, settings: Settings) -> CustomerDetails:
    command = RegisterCustomer(
        first_name=body.first_name,
        last_name=body.last_name,
        email=str(body.email),
        password_hash=await hash_chosen(body.password),  # the password policy: 422 `weak_password`
        organization=body.organization,
        welcome=settings.welcome_email_on_registration,
    )
    async with uow:
        customer = await register_customer(uow, command)
        return await details_of(uow, customer.id)
