"""The end of a customer: erasure (right to be forgotten) and deletion, and the receipts every
service sends back, kept as the certificate of erasure."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus, now
from customer_account.domain.erasure import ErasureCertificate, Receipt, certificate_of
from customer_account.domain.errors import CustomerNotFound, NotAllowed
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerDeleted, CustomerErased, CustomerErasureCompleted
from trainyard_common.vocabulary import ErasureKind


async def erase(uow: CustomerUnitOfWork, customer_id: uuid.UUID, actor: Actor) -> None:
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        if customer.erased:
            raise NotAllowed("already_erased", "The customer's data was already erased.")
        if customer.status is not CustomerStatus.INACTIVE:
            raise NotAllowed("customer_not_inactive", "Only an inactive customer can be erased; set the status first.")
        customer.erase(at)
        await uow.customers.save(customer)
        await uow.sessions.end_all(customer_id)
        await uow.logins.forget_ips(customer_id)
        await uow.activity.scrub(customer_id)
        await uow.emails.forget_customer(customer_id)
        await uow.erasures.requested(customer_id, ErasureKind.ERASED.value, at)
        uow.activity.add(Activity(customer_id, "erased", actor, at))
        uow.emit(CustomerErased(customer_id=customer_id, erased_at=at))
        await uow.commit()


async def delete(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> None:
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        if await uow.orders.has_orders(customer_id):
            raise NotAllowed(
                "customer_has_orders", "The customer has orders; a customer with orders cannot be deleted."
            )
        if await uow.access.has_access(customer_id):
            raise NotAllowed("customer_has_access", "The customer has access to a product and cannot be deleted.")
        await uow.customers.delete(customer_id)  # sessions, logins, activity, groups, mail go with it
        await uow.erasures.requested(customer_id, ErasureKind.DELETED.value, at)
        uow.emit(CustomerDeleted(customer_id=customer_id, deleted_at=at))
        await uow.commit()


async def record_receipt(uow: CustomerUnitOfWork, event: CustomerErasureCompleted) -> None:
    receipt = Receipt(event.service.value, event.request_kind.value, event.completed_at, event.request_event_id)
    await uow.erasures.receipt(event.customer_id, receipt)


async def certificate(uow: CustomerUnitOfWork, customer_id: uuid.UUID, expected: Sequence[str]) -> ErasureCertificate:
    """``expected``: the services whose receipt completes the certificate."""
    async with uow:
        request = await uow.erasures.request(customer_id)
        if request is None:
            raise CustomerNotFound(customer_id)
        kind, requested_at = request
        receipts = await uow.erasures.receipts(customer_id)
    return certificate_of(customer_id, kind, requested_at, receipts, expected)
