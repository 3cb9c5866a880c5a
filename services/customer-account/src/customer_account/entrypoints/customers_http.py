"""The admin's customer routes: create, list, read, edit, status, password, tax, groups."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from customer_account.adapters.passwords import generate_password, hash_async, hash_chosen
from customer_account.domain.customer import CustomerStatus, RegistrationChannel
from customer_account.entrypoints.deps import AdminActor, ReadingUnitOfWork, Settings, UnitOfWork
from customer_account.entrypoints.responses import current_details, details_of
from customer_account.service_layer import accounts, groups
from customer_account.service_layer.password_setup import SetupLinks, send_password_link
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from trainyard_common.api.customers import (
    CodeUsersGrouped,
    CodeUsersGrouping,
    CustomerCreate,
    CustomerCreated,
    CustomerDetails,
    CustomerList,
    CustomerUpdate,
    GroupsSet,
    PasswordLinkSent,
    PasswordRulesChange,
    StatusChange,
    TaxExemption,
)
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.errors import ErrorBody
from trainyard_common.http.plain_json import PlainJSON, capped_page

router = APIRouter(prefix="/v1", tags=["customers"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


@router.post("/customers", status_code=201, responses={409: {"model": ErrorBody}})
async def create(body: CustomerCreate, actor: AdminActor, uow: UnitOfWork, settings: Settings) -> CustomerCreated:
    """An admin creates a customer; a blank password is generated and shown once, in this answer
    only: the welcome e-mail carries a one-time set-password link instead (never the password)."""
    generated = None if body.password and body.password.strip() else generate_password()
    # a chosen password meets the policy (422 `weak_password`); a generated one is random
    password_hash = await hash_async(generated) if generated else await hash_chosen(str(body.password))
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
        setup_links=SetupLinks.of(settings) if generated else None,
    )
    async with uow:
        customer = await register_customer(uow, command)
        shown = await details_of(uow, customer.id)
    return CustomerCreated(**shown.model_dump(), generated_password=generated)


@router.get("/customers", response_model=CustomerList)
async def list_customers(
    uow: ReadingUnitOfWork,
    *,
    search: Annotated[str | None, Query(max_length=200)] = None,
    status: CustomerStatus | None = None,
    group_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlainJSON:
    async with uow:
        found, total = await uow.customers.search(
            search=search, status=status, group_id=group_id, client_id=client_id, limit=limit, offset=offset
        )
    return PlainJSON(capped_page(found, total))


@router.get("/customers/{customer_id}", responses=NOT_FOUND)
async def get_customer(customer_id: uuid.UUID, uow: ReadingUnitOfWork) -> CustomerDetails:
    """The profile, status, tax exemption, groups and password state."""
    async with uow:
        return await details_of(uow, customer_id)


@router.patch("/customers/{customer_id}", responses={**NOT_FOUND, 409: {"model": ErrorBody}})
async def edit(customer_id: uuid.UUID, body: CustomerUpdate, actor: AdminActor, uow: UnitOfWork) -> CustomerDetails:
    await accounts.edit_profile(uow, customer_id, body.model_dump(exclude_unset=True, mode="json"), actor)
    return await current_details(uow, customer_id)


@router.put("/customers/{customer_id}/status", responses=NOT_FOUND)
async def set_status(customer_id: uuid.UUID, body: StatusChange, actor: AdminActor, uow: UnitOfWork) -> CustomerDetails:
    """Any status; inactive or locked ends the customer's sessions at once."""
    await accounts.set_status(uow, customer_id, CustomerStatus(body.status), actor)
    return await current_details(uow, customer_id)


@router.post(
    "/customers/{customer_id}/password-link", status_code=202, responses={**NOT_FOUND, 409: {"model": ErrorBody}}
)
async def password_link(
    customer_id: uuid.UUID, actor: AdminActor, uow: UnitOfWork, settings: Settings
) -> PasswordLinkSent:
    """E-mail the customer a one-time set-password link (202: the e-mail is queued); older unused
    links end. 409: erased, deletion pending, or not active."""
    sent = await send_password_link(uow, SetupLinks.of(settings), customer_id, actor)
    return PasswordLinkSent(customer_id=sent.customer_id, sent_to=sent.sent_to, expires_at=sent.expires_at)


@router.put("/customers/{customer_id}/password", responses=NOT_FOUND)
async def set_password(
    customer_id: uuid.UUID, body: PasswordRulesChange, actor: AdminActor, uow: UnitOfWork
) -> CustomerDetails:
    """A new password, an expiration rule (days; null: never) and/or "change at next sign-in"."""
    rules = accounts.PasswordRules(
        password_hash=await hash_chosen(body.password) if body.password else None,  # the policy; ends all sessions
        expires_in_days=body.expires_in_days,
        expiry_given="expires_in_days" in body.model_fields_set,
        require_change=body.require_change,
    )
    await accounts.set_password_rules(uow, customer_id, rules, actor)
    return await current_details(uow, customer_id)


@router.put("/customers/{customer_id}/tax-exemption", responses=NOT_FOUND)
async def set_tax_exemption(
    customer_id: uuid.UUID, body: TaxExemption, actor: AdminActor, uow: UnitOfWork
) -> CustomerDetails:
    await accounts.set_tax_exemption(uow, customer_id, body.exempt, actor)
    return await current_details(uow, customer_id)


@router.put("/customers/{customer_id}/groups", responses=NOT_FOUND)
async def set_groups(customer_id: uuid.UUID, body: GroupsSet, actor: AdminActor, uow: UnitOfWork) -> CustomerDetails:
    await groups.set_groups(uow, customer_id, set(body.group_ids), actor)
    return await current_details(uow, customer_id)


@router.post(
    "/customers/{customer_id}/registration-code-users/group", responses={**NOT_FOUND, 422: {"model": ErrorBody}}
)
async def group_code_users(
    customer_id: uuid.UUID, body: CodeUsersGrouping, actor: AdminActor, uow: UnitOfWork
) -> CodeUsersGrouped:
    """The customer and the given users of their registration codes join the group (one
    transaction); 404 for an unknown customer, 422 `unknown_group`."""
    done = await groups.group_code_users(uow, customer_id, body.group_id, body.user_ids, actor)
    return CodeUsersGrouped(
        group_id=body.group_id,
        customer_id=customer_id,
        joined=done.joined,
        already_members=done.already_members,
        not_found=done.not_found,
    )
