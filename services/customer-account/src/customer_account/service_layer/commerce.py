"""What customer-account does with commerce-access's events: the order history (and its
confirmation e-mail) and whether the customer holds access — both block a deletion."""

from __future__ import annotations

import uuid
from datetime import datetime

from customer_account.adapters.orders import SeenOrder
from customer_account.domain.customer import now
from customer_account.service_layer.messages import order_confirmation
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import OrderCompleted


async def record_order(uow: CustomerUnitOfWork, event: OrderCompleted) -> None:
    lines = [line.model_dump(mode="json") for line in event.lines]
    order = SeenOrder(
        event.order_id, event.customer_id, event.total, event.currency, event.source.value, lines, event.completed_at
    )
    if not await uow.orders.add(order):
        return  # known already: no second confirmation
    customer = await uow.customers.get(event.customer_id)
    if customer is not None and customer.email and not customer.erased:
        await uow.emails.add(
            [order_confirmation(customer, event.order_id, lines, format(event.total, "f"), event.currency)], now()
        )


async def record_access(
    uow: CustomerUnitOfWork,
    access_id: uuid.UUID,
    customer_id: uuid.UUID,
    product_id: uuid.UUID,
    *,
    active: bool,
    at: datetime,
) -> None:
    await uow.access.set(access_id, customer_id, product_id, active=active, at=at)
