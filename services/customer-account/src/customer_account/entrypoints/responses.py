"""Domain objects → the API's response bodies."""

from __future__ import annotations

import uuid

from customer_account.domain.activity import Activity
from customer_account.domain.customer import Customer
from customer_account.domain.deletion import DeletionRequest, deletion_blockers
from customer_account.domain.errors import CustomerNotFound
from customer_account.domain.groups import Group
from customer_account.domain.orders import SeenOrder
from customer_account.service_layer import erasure
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.api.customers import (
    ActivityEntry,
    CustomerDetails,
    DeletionStatus,
    GroupRef,
    OrderHistoryEntry,
)


def deletion_status(request: DeletionRequest) -> DeletionStatus:
    return DeletionStatus(
        state=request.state.value,
        reason=request.reason,
        requested_at=request.requested_at,
        decided_at=request.decided_at,
    )


def details(
    customer: Customer,
    groups: list[Group],
    deletion: DeletionRequest | None = None,
    blockers: list[str] | None = None,
) -> CustomerDetails:
    reasons = list(blockers or [])
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
        deletion=deletion_status(deletion) if deletion is not None else None,
        deletable=not reasons,
        not_deletable_reasons=reasons,
    )


async def details_of(uow: CustomerUnitOfWork, customer: Customer) -> CustomerDetails:
    """Inside an open unit of work."""
    return details(
        customer,
        await uow.groups.of_customer(customer.id),
        await uow.deletions.get(customer.id),
        await erasure.blockers(uow, customer.id),
    )


async def details_of_many(uow: CustomerUnitOfWork, customers: list[Customer]) -> list[CustomerDetails]:
    """``details_of`` for a page of customers in four statements, whatever its length (admin lists)."""
    ids = [c.id for c in customers]
    if not ids:
        return []
    groups = await uow.groups.of_customers(ids)
    deletions = await uow.deletions.many(ids)
    with_orders = await uow.orders.with_orders(ids)
    with_access = await uow.access.with_access(ids)
    return [
        details(
            c,
            groups.get(c.id, []),
            deletions.get(c.id),
            deletion_blockers(has_orders=c.id in with_orders, has_access=c.id in with_access),
        )
        for c in customers
    ]


async def current_details(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> CustomerDetails:
    """The customer as stored now (after a use case committed), in a transaction of its own."""
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        groups = await uow.groups.of_customer(customer_id)
        deletion = await uow.deletions.get(customer_id)
        reasons = await erasure.blockers(uow, customer_id)
    return details(customer, groups, deletion, reasons)


def activity_entry(activity: Activity) -> ActivityEntry:
    return ActivityEntry(
        at=activity.at,
        type=activity.type,
        actor=activity.actor.label,
        actor_kind=activity.actor.kind.value,
        impersonated=activity.actor.impersonated,
        details=activity.details,
        actor_name=activity.actor.name,
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
