"""Domain objects → the API's response bodies."""

from __future__ import annotations

import uuid
from typing import Any

from customer_account.domain.activity import Activity
from customer_account.domain.deletion import DeletionRequest
from customer_account.domain.errors import CustomerNotFound
from customer_account.domain.orders import SeenOrder
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.api.customers import ActivityEntry, CustomerDetails, DeletionStatus, OrderHistoryEntry


def deletion_status(request: DeletionRequest) -> DeletionStatus:
    return DeletionStatus(**_deletion_fields(request))


def _deletion_fields(request: DeletionRequest) -> dict[str, Any]:
    return {
        "state": request.state.value,
        "reason": request.reason,
        "requested_at": request.requested_at,
        "decided_at": request.decided_at,
    }


async def details_of(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> CustomerDetails:
    """Inside an open unit of work: the customer as stored in it now (one statement)."""
    found = await uow.customers.overview(customer_id)
    if found is None:
        raise CustomerNotFound(customer_id)
    return CustomerDetails(**found)


async def current_details(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> CustomerDetails:
    """The customer as stored now (after a use case committed), in a transaction of its own."""
    async with uow:
        return await details_of(uow, customer_id)


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
