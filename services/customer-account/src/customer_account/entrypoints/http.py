"""customer-account's internal HTTP API (reached only through the gateway)."""

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends

from customer_account.adapters.passwords import hash_password
from customer_account.domain.customer import Customer
from customer_account.domain.errors import EmailAlreadyRegistered
from customer_account.entrypoints.schemas import CustomerPublic, RegistrationCreate
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.http.errors import Conflict, ErrorDetail, NotFound


def build_router(uow_factory: Callable[[], CustomerUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["customers"])
    UnitOfWork = Annotated[CustomerUnitOfWork, Depends(uow_factory)]

    @router.post("/registrations", status_code=201)
    async def register(body: RegistrationCreate, uow: UnitOfWork) -> CustomerPublic:
        password_hash = await asyncio.to_thread(hash_password, body.password)
        command = RegisterCustomer(
            first_name=body.first_name,
            last_name=body.last_name,
            email=str(body.email),
            password_hash=password_hash,
            organization=body.organization,
        )
        try:
            async with uow:
                customer = await register_customer(uow, command)
        except EmailAlreadyRegistered as exc:
            raise Conflict(
                "This e-mail address is already registered.",
                code="email_taken",
                details=[ErrorDetail(field="email", reason="already registered")],
            ) from exc
        return _public(customer)

    @router.get("/customers/{customer_id}")
    async def get_customer(customer_id: uuid.UUID, uow: UnitOfWork) -> CustomerPublic:
        async with uow:
            customer = await uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return _public(customer)

    return router


def _public(customer: Customer) -> CustomerPublic:
    return CustomerPublic(
        id=customer.id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        organization=customer.organization,
        status=customer.status.value,
        created_at=customer.created_at,
    )
