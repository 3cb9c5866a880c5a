"""An admin's (or the learner's own) changes to an account: profile, status, password, tax."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor
from customer_account.domain.customer import Customer, CustomerStatus, now
from customer_account.domain.errors import CustomerNotFound, EmailAlreadyRegistered
from customer_account.service_layer.groups import automatic_groups, join_groups
from customer_account.service_layer.status import apply_status
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerProfileUpdatedV2
from trainyard_common.vocabulary import ProfileField


async def _load(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> Customer:
    customer = await uow.customers.get(customer_id, for_update=True)
    if customer is None or customer.erased:
        raise CustomerNotFound(customer_id)
    return customer


async def edit_profile(
    uow: CustomerUnitOfWork, customer_id: uuid.UUID, changes: dict[str, str | None], actor: Actor
) -> Customer:
    at = now()
    async with uow:
        customer = await _load(uow, customer_id)
        previous_email, previous_organization = customer.email, customer.organization
        changed = customer.edit_profile(changes)
        if not changed:
            return customer
        if "email" in changed and await uow.customers.email_taken_by_other(str(customer.email), customer.id):
            raise EmailAlreadyRegistered(str(customer.email))
        await uow.customers.save(customer)
        uow.activity.add(Activity(customer.id, "profile_updated", actor, at, {"fields": changed}))
        key = (await uow.keys.keys_for([customer.id], at))[customer.id]  # not erased: ``_load`` checked
        updated = CustomerProfileUpdatedV2.sealing(
            {
                "customer_id": customer.id,
                "email": str(customer.email),
                "previous_email": str(previous_email),
                "first_name": str(customer.first_name),
                "last_name": str(customer.last_name),
                "organization": customer.organization,
                "previous_organization": previous_organization,
                "changed_fields": [ProfileField(name) for name in changed],
                "updated_at": at,
            },
            key,
        )
        uow.emit(updated.version_1())  # deprecated: the personal fields empty
        uow.emit(updated)
        if "email" in changed:  # the automations apply to changed customers too
            await join_groups(uow, customer.id, await automatic_groups(uow, str(customer.email)), actor, at)
        await uow.commit()
    return customer


async def set_status(uow: CustomerUnitOfWork, customer_id: uuid.UUID, status: CustomerStatus, actor: Actor) -> Customer:
    async with uow:
        customer = await _load(uow, customer_id)
        await apply_status(uow, customer, status, actor, now())
        await uow.commit()
    return customer


@dataclass(frozen=True, slots=True)
class PasswordRules:
    password_hash: str | None = None
    expires_in_days: int | None = None
    expiry_given: bool = False
    """``expires_in_days`` was in the request (null then clears the rule)."""
    require_change: bool | None = None


async def set_password_rules(
    uow: CustomerUnitOfWork, customer_id: uuid.UUID, rules: PasswordRules, actor: Actor
) -> Customer:
    at = now()
    async with uow:
        customer = await _load(uow, customer_id)
        done = []
        if rules.expiry_given:
            customer.set_expiry_rule(rules.expires_in_days, at)
            done.append("expiration_rule")
        if rules.password_hash is not None:
            customer.set_password(rules.password_hash, at, require_change=customer.password_change_required)
            await uow.sessions.end_all(customer.id)  # an admin's reset ends every session of the customer
            done.append("password")
        if rules.require_change is not None:
            customer.password_change_required = rules.require_change
            done.append("require_change")
        await uow.customers.save(customer)
        details = {
            "changed": done,
            "expires_in_days": customer.password_expiry_days,
            "require_change": customer.password_change_required,
        }
        uow.activity.add(Activity(customer.id, "password_rules_changed", actor, at, details))
        await uow.commit()
    return customer


async def set_tax_exemption(uow: CustomerUnitOfWork, customer_id: uuid.UUID, exempt: bool, actor: Actor) -> Customer:
    at = now()
    async with uow:
        customer = await _load(uow, customer_id)
        if customer.tax_exempt != exempt:
            customer.tax_exempt = exempt
            await uow.customers.save(customer)
            uow.activity.add(Activity(customer.id, "tax_exemption_changed", actor, at, {"exempt": exempt}))
            await uow.commit()
    return customer
