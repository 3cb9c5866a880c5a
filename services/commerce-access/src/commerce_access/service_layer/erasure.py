"""A customer erased or deleted: scrub or drop what commerce-access holds, then send the receipt."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.erasure import send_erasure_receipt
from trainyard_common.vocabulary import ErasureKind, ServiceName


async def erase_customer(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> None:
    """Orders and access stay (they hold ids, products and amounts only); the customer's name
    and e-mail, kept in the projection, go."""
    await uow.customers.forget(customer_id)
    send_erasure_receipt(uow, customer_id, ServiceName.COMMERCE_ACCESS, ErasureKind.ERASED)


async def delete_customer(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> None:
    """Orders (with their codes), access and redemptions go; the bare id stays so that a late
    import row or request cannot bring the customer back."""
    order_ids = await uow.orders.delete_of_customer(customer_id)
    await uow.codes.delete_of_orders(order_ids)
    await uow.codes.forget_redeemer(customer_id)
    await uow.access.delete_of_customer(customer_id)
    await uow.customers.forget(customer_id)
    await uow.orders.mark_deleted(customer_id, datetime.now(UTC))
    send_erasure_receipt(uow, customer_id, ServiceName.COMMERCE_ACCESS, ErasureKind.DELETED)
