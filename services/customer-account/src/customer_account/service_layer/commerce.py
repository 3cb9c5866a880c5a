"""What customer-account does with commerce-access's events: the order history (and its
confirmation e-mail) and whether the customer holds access — both block a deletion.

A partition batch at a time: the orders in one statement, their buyers in one query, the
confirmations in one statement; access rows in one statement."""

from __future__ import annotations

from collections.abc import Sequence

from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor
from customer_account.domain.customer import Customer, now
from customer_account.domain.emails import Email
from customer_account.domain.orders import AccessState, SeenOrder
from customer_account.service_layer.messages import order_confirmation
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import OrderCompleted


async def record_orders(uow: CustomerUnitOfWork, events: Sequence[OrderCompleted]) -> None:
    """Keep each order; confirm by e-mail those not known before (never twice). An order an
    admin placed while impersonating the customer lands in the activity log under that admin
    (``order_placed``, once: only when the order is new here)."""
    new = await uow.orders.add_new([seen_order(event) for event in events])
    if not new:
        return  # all known already: no second confirmation
    buyers = await uow.customers.many(order.customer_id for order in new)
    impersonators = {e.order_id: e.impersonated_by for e in events if e.impersonated_by}
    for order in new:
        admin = impersonators.get(order.order_id)
        if admin is not None and order.customer_id in buyers:  # the log's rows need the customer here
            details = {"order_id": str(order.order_id), "total": format(order.total, "f"), "currency": order.currency}
            uow.activity.add(
                Activity(order.customer_id, "order_placed", Actor.impersonating(admin), order.completed_at, details)
            )
    confirmations = [_confirmation(buyers[o.customer_id], o) for o in new if _may_mail(buyers.get(o.customer_id))]
    await uow.emails.add(confirmations, now())


async def record_access(uow: CustomerUnitOfWork, states: Sequence[AccessState]) -> None:
    await uow.access.set_all(states)


def seen_order(event: OrderCompleted) -> SeenOrder:
    lines = [line.model_dump(mode="json") for line in event.lines]
    return SeenOrder(
        event.order_id, event.customer_id, event.total, event.currency, event.source.value, lines, event.completed_at
    )


def _may_mail(customer: Customer | None) -> bool:
    """Only to a customer known here with an address, never to an erased one."""
    return customer is not None and bool(customer.email) and not customer.erased


def _confirmation(customer: Customer, order: SeenOrder) -> Email:
    return order_confirmation(customer, order.order_id, order.lines, format(order.total, "f"), order.currency)
