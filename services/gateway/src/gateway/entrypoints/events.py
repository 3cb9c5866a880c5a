"""The events the gateway consumes: every event that changes a customer's page (the customer
view, ``service_layer/customer_views.py``). It publishes none.

One batch handler per event type; each hands the batch's events (type, customer, the order or
access row named) to the view, which reads the changed sections or rows back from their services
in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gateway.domain.customer_view import WATCHED, Noticed
from gateway.service_layer.customer_views import CustomerViews
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    ImportRowOrderSettled,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
    ProgressDeleted,
    ProgressRecorded,
    TrainingCompleted,
    UserRegistered,
)
from trainyard_common.contracts.base import Event
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.subscriptions import EventSubscriptions

PUBLISHED: tuple[type[Event], ...] = ()

CONSUMED: tuple[type[Event], ...] = (
    UserRegistered,
    CustomerImported,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    CustomerGroupsChanged,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerDeleted,
    LearnerAssignedToClient,
    LearnerRemovedFromClient,
    OrderCompleted,
    ImportRowOrderSettled,
    AccessGranted,
    AccessChanged,
    AccessRevoked,
    AccessExpired,
    CustomerDeletionDecided,
    ProgressRecorded,
    TrainingCompleted,
    ProgressDeleted,
)
if {e.__name__ for e in CONSUMED} != set(WATCHED):  # pragma: no cover (caught by any import)
    raise RuntimeError("the customer view's rules and its subscriptions differ")


def handlers(views: CustomerViews) -> Callable[[EventSubscriptions], None]:
    """What ``ServiceRuntime.assemble`` registers: one batch handler per event the view follows."""

    def register_handlers(subscriptions: EventSubscriptions) -> None:
        for event_type in CONSUMED:
            subscriptions.batch_handler(event_type)(_refreshing(views, event_type))

    return register_handlers


def _noticed(name: str, event: Any) -> Noticed:
    return Noticed(name, event.customer_id, getattr(event, "order_id", None), getattr(event, "access_id", None))


def _refreshing(views: CustomerViews, event_type: type[Event]) -> Callable[..., Any]:
    name = event_type.__name__

    async def on_events(events: Sequence[Delivered[Any]], uow: GatewayUnitOfWork) -> None:
        await views.apply_events(uow, [_noticed(name, d.event) for d in events])

    on_events.__name__ = f"on_{name}"
    on_events.__qualname__ = f"on_{name}"
    on_events.__doc__ = f"The customer view: the sections {name} changes are read back from their services."
    return on_events
