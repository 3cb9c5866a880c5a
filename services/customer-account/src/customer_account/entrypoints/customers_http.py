"""The admin's customer routes: create, list, read, edit, status, password, tax, groups."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, Query

from customer_account.adapters.passwords import generate_password, hash_async
from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus, RegistrationChannel
from customer_account.entrypoints.context import Context, admin_actor, http_errors
from customer_account.entrypoints.views import details, details_of
from customer_account.service_layer import accounts, groups
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from trainyard_common.api.customers import (
    CustomerCreate,
    CustomerCreated,
    CustomerDetails,
    CustomerList,
    CustomerUpdate,
    GroupsSet,
    PasswordRulesChange,
    StatusChange,
    TaxExemption,
)
from trainyard_common.http.errors import ErrorBody, NotFound

AdminActor = Annotated[Actor, Depends(admin_actor)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


def add_customer_routes(router: APIRouter, ctx: Context) -> None:
    @router.post("/customers", status_code=201, tags=["customers"], responses={409: {"model": ErrorBody}})
    async def create(body: CustomerCreate, actor: AdminActor) -> CustomerCreated:
        """An admin creates a customer; a blank password is generated and shown once."""
        generated = None if body.password and body.password.strip() else generate_password()
        password_hash = await hash_async(generated or str(body.password))
        command = RegisterCustomer(
            first_name=body.first_name,
            last_name=body.last_name,
            email=str(body.email),
            password_hash=password_hash,
            organization=body.organization,
            channel=RegistrationChannel.ADMIN,
            group_ids=frozenset(body.group_ids),
            actor=actor,
            welcome=body.send_welcome_email,
            generated_password=generated,
        )
        uow = ctx.uow_factory()
        with http_errors():
            async with uow:
                customer = await register_customer(uow, command)
                shown = await details_of(uow, customer)
        return CustomerCreated(**shown.model_dump(), generated_password=generated)

    @router.get("/customers", tags=["customers"])
    async def list_customers(
        *,
        search: Annotated[str | None, Query(max_length=200)] = None,
        status: CustomerStatus | None = None,
        group_id: uuid.UUID | None = None,
        client_id: uuid.UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> CustomerList:
        uow = ctx.uow_factory()
        async with uow:
            found, total = await uow.customers.search(
                search=search, status=status, group_id=group_id, client_id=client_id, limit=limit, offset=offset
            )
            items = [await details_of(uow, c) for c in found]
        return CustomerList(items=items, total=total)

    @router.get("/customers/{customer_id}", tags=["customers"], responses=NOT_FOUND)
    async def get_customer(customer_id: uuid.UUID) -> CustomerDetails:
        """The profile, status, tax exemption, groups and password state."""
        uow = ctx.uow_factory()
        async with uow:
            customer = await uow.customers.get(customer_id)
            if customer is None:
                raise_not_found()
            return await details_of(uow, customer)

    @router.patch("/customers/{customer_id}", tags=["customers"], responses={**NOT_FOUND, 409: {"model": ErrorBody}})
    async def edit(customer_id: uuid.UUID, body: CustomerUpdate, actor: AdminActor) -> CustomerDetails:
        return await edit_profile(ctx, customer_id, body, actor)

    @router.put("/customers/{customer_id}/status", tags=["customers"], responses=NOT_FOUND)
    async def set_status(customer_id: uuid.UUID, body: StatusChange, actor: AdminActor) -> CustomerDetails:
        """Any status; inactive or locked ends the customer's sessions at once."""
        with http_errors():
            customer = await accounts.set_status(ctx.uow_factory(), customer_id, CustomerStatus(body.status), actor)
        return await _current(ctx, customer.id)

    @router.put("/customers/{customer_id}/password", tags=["customers"], responses=NOT_FOUND)
    async def set_password(customer_id: uuid.UUID, body: PasswordRulesChange, actor: AdminActor) -> CustomerDetails:
        """A new password, an expiration rule (days; null: never) and/or "change at next sign-in"."""
        new_hash = await hash_async(body.password) if body.password else None
        rules = accounts.PasswordRules(
            password_hash=new_hash,
            expires_in_days=body.expires_in_days,
            expiry_given="expires_in_days" in body.model_fields_set,
            require_change=body.require_change,
        )
        with http_errors():
            await accounts.set_password_rules(ctx.uow_factory(), customer_id, rules, actor)
        return await _current(ctx, customer_id)

    @router.put("/customers/{customer_id}/tax-exemption", tags=["customers"], responses=NOT_FOUND)
    async def set_tax_exemption(customer_id: uuid.UUID, body: TaxExemption, actor: AdminActor) -> CustomerDetails:
        with http_errors():
            await accounts.set_tax_exemption(ctx.uow_factory(), customer_id, body.exempt, actor)
        return await _current(ctx, customer_id)

    @router.put("/customers/{customer_id}/groups", tags=["customers"], responses=NOT_FOUND)
    async def set_groups(customer_id: uuid.UUID, body: GroupsSet, actor: AdminActor) -> CustomerDetails:
        with http_errors():
            await groups.set_groups(ctx.uow_factory(), customer_id, set(body.group_ids), actor)
        return await _current(ctx, customer_id)


async def edit_profile(ctx: Context, customer_id: uuid.UUID, body: CustomerUpdate, actor: Actor) -> CustomerDetails:
    """Shared by the admin's and the learner's edit."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    with http_errors():
        await accounts.edit_profile(ctx.uow_factory(), customer_id, changes, actor)
    return await _current(ctx, customer_id)


async def _current(ctx: Context, customer_id: uuid.UUID) -> CustomerDetails:
    uow = ctx.uow_factory()
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise_not_found()
        groups_of = await uow.groups.of_customer(customer_id)
    return details(customer, groups_of)


def raise_not_found() -> NoReturn:
    raise NotFound("No such customer.")
