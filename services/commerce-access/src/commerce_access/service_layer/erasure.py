"""A customer erased or deleted: scrub or drop what commerce-access holds, then send the receipt."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.erasure import send_erasure_receipt
from trainyard_common.vocabulary import ErasureKind, ServiceName

log = logging.getLogger(__name__)


async def erase_customer(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> None:
    """Orders and access stay (they hold ids, products and amounts only); the customer's name
    and e-mail, kept in the projection, go; so do the addresses they invited to their codes."""
    await uow.customers.forget(customer_id)
    await uow.codes.forget_invitations_of(customer_id)
    send_erasure_receipt(
        uow, customer_id, ServiceName.COMMERCE_ACCESS, ErasureKind.ERASED, ["customers", "code_invitations"]
    )


async def delete_customer(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> bool:
    """Orders (with their codes), access and redemptions go; the bare id stays so that a late
    import row or request cannot bring the customer back.

    Only for a customer whose deletion commerce-access approved (CustomerDeletionDecided): then
    nothing can have been ordered since. Otherwise nothing is deleted and no receipt is sent
    (False): a deletion this service did not approve must never remove an order or access."""
    if not await uow.orders.deletion_approved(customer_id):
        log.warning("CustomerDeleted for %s without an approved deletion: nothing deleted", customer_id)
        return False
    order_ids = await uow.orders.delete_of_customer(customer_id)
    await uow.codes.delete_of_orders(order_ids)
    await uow.codes.forget_redeemer(customer_id)
    await uow.access.delete_of_customer(customer_id)
    await uow.customers.forget(customer_id, ErasureKind.DELETED)
    await uow.orders.mark_deleted(customer_id, datetime.now(UTC))
    send_erasure_receipt(
        uow,
        customer_id,
        ServiceName.COMMERCE_ACCESS,
        ErasureKind.DELETED,
        ["orders", "registration_codes", "code_redemptions", "access", "customers"],
    )
    return True
