"""Domain objects → the API's response bodies."""

from __future__ import annotations

import uuid

from customer_account.domain.activity import Activity
from customer_account.domain.customer import Customer
from customer_account.domain.errors import CustomerNotFound
from customer_account.domain.groups import Group
from customer_account.domain.orders import SeenOrder
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.api.customers import ActivityEntry, CustomerDetails, GroupRef, OrderHistoryEntry


def details(customer: Customer, groups: list[Group]) -> CustomerDetails:
    return CustomerDetails(
        id=customer.id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        organization=customer.organization,
        status=customer.status.value,
        tax_exempt=customer.tax_exempt,
        groups=[GroupRef(id=g.id, name=g.name) for g in groups],
        created_at=customer.created_at,
        password_expires_at=customer.password_expires_at,
        password_expiry_days=customer.password_expiry_days,
        password_change_required=customer.password_change_required,
        erased_at=customer.erased_at,
    )


async def details_of(uow: CustomerUnitOfWork, customer: Customer) -> CustomerDetails:
    """Inside an open unit of work."""
    return details(customer, await uow.groups.of_customer(customer.id))


async def current_details(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> CustomerDetails:
    """The customer as stored now (after a use case committed), in a transaction of its own."""
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        groups = await uow.groups.of_customer(customer_id)
    return details(customer, groups)


def activity_entry(activity: Activity) -> ActivityEntry:
    return ActivityEntry(
        at=activity.at,
        type=activity.type,
        actor=activity.actor.label,
        actor_kind=activity.actor.kind.value,
        impersonated=activity.actor.impersonated,
        details=activity.details,
    )


def order_entry(order: SeenOrder) -> OrderHistoryEntry:
    return OrderHistoryEntry(
        order_id=order.order_id,
        total=format(order.total, "f"),
        currency=order.currency,
        source=order.source,
        lines=order.lines,
        completed_at=order.completed_at,
    )
