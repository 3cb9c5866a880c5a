"""The end of a customer: erasure (right to be forgotten) and deletion, and the receipts every
service sends back, kept as the certificate of erasure."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from customer_account.domain.activity import Activity
from customer_account.domain.actors import SYSTEM, Actor
from customer_account.domain.customer import CustomerStatus, now
from customer_account.domain.deletion import DeletionRequest, deletion_blockers, new_request
from customer_account.domain.erasure import ErasureCertificate, Receipt, certificate_of
from customer_account.domain.errors import CustomerNotFound, NoDeletionRequested, NotAllowed
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import (
    CustomerDeleted,
    CustomerDeletionDecided,
    CustomerDeletionRequested,
    CustomerErased,
    CustomerErasureCompleted,
)
from trainyard_common.vocabulary import DeletionDecision, ErasureKind

log = logging.getLogger(__name__)


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
        await uow.keys.destroy(customer_id)  # crypto-shredding: its sealed fields, everywhere, are unreadable
        await uow.erasures.key_destroyed(customer_id, at)
        uow.activity.add(Activity(customer_id, "erased", actor, at))
        uow.emit(CustomerErased(customer_id=customer_id, erased_at=at))
        await uow.commit()


async def blockers(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> list[str]:
    """Inside an open unit of work: why the customer may not be deleted (empty: deletable), as this
    service's copy of orders and access says — for display; ``request_deletion`` and commerce-access
    still decide."""
    return deletion_blockers(
        has_orders=await uow.orders.has_orders(customer_id), has_access=await uow.access.has_access(customer_id)
    )


async def request_deletion(uow: CustomerUnitOfWork, customer_id: uuid.UUID, actor: Actor) -> DeletionRequest:
    """Refused at once when this service already knows of orders or access; otherwise the
    customer stops signing in and buying, and commerce-access (which owns orders and access) is
    asked to decide (CustomerDeletionRequested, in this transaction). Asked again while pending:
    the same request, nothing sent twice."""
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None:
            raise CustomerNotFound(customer_id)
        earlier = await uow.deletions.get(customer_id)
        if customer.deletion_pending and earlier is not None and earlier.pending:
            return earlier
        if await uow.orders.has_orders(customer_id):
            raise NotAllowed(
                "customer_has_orders", "The customer has orders; a customer with orders cannot be deleted."
            )
        if await uow.access.has_access(customer_id):
            raise NotAllowed("customer_has_access", "The customer has access to a product and cannot be deleted.")
        request = new_request(customer_id, at)
        customer.deletion_requested_at = at
        await uow.customers.save(customer)
        await uow.sessions.end_all(customer_id)
        await uow.deletions.save(request)
        uow.activity.add(Activity(customer_id, "deletion_requested", actor, at))
        uow.emit(CustomerDeletionRequested(customer_id=customer_id, requested_at=at))
        await uow.commit()
    return request


async def apply_deletion_decision(uow: CustomerUnitOfWork, event: CustomerDeletionDecided) -> None:
    """Inside the handler's transaction. Approved: the customer is deleted as a deletion always
    was (CustomerDeleted: the services drop their data and send receipts). Refused: the request
    is cancelled with its reason; the customer may sign in again (ended sessions stay ended)."""
    customer = await uow.customers.get(event.customer_id, for_update=True)
    request = await uow.deletions.get(event.customer_id)
    if request is None or not request.pending:
        log.warning("deletion decision for %s with no pending request: ignored", event.customer_id)
        return
    at = now()
    if event.decision is DeletionDecision.APPROVED:
        if customer is not None:
            await uow.customers.delete(event.customer_id)  # sessions, logins, activity, groups, mail go with it
        await uow.erasures.requested(event.customer_id, ErasureKind.DELETED.value, at)
        await uow.keys.destroy(event.customer_id)  # no foreign key cascades it (migration 0013)
        await uow.erasures.key_destroyed(event.customer_id, at)
        request.complete(event.decided_at)
        uow.emit(CustomerDeleted(customer_id=event.customer_id, deleted_at=at))
    else:
        request.refuse(event.reason, event.decided_at)
        if customer is not None:
            customer.deletion_requested_at = None
            await uow.customers.save(customer)
            uow.activity.add(Activity(customer.id, "deletion_refused", SYSTEM, at, {"reason": event.reason}))
    await uow.deletions.save(request)


async def deletion(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> DeletionRequest:
    """The latest deletion request (it outlives a deleted customer)."""
    async with uow:
        found = await uow.deletions.get(customer_id)
    if found is None:
        raise NoDeletionRequested(customer_id)
    return found


async def record_receipt(uow: CustomerUnitOfWork, event: CustomerErasureCompleted) -> None:
    receipt = Receipt(
        event.service.value,
        event.request_kind.value,
        event.completed_at,
        event.request_event_id,
        tuple(event.removed),
    )
    await uow.erasures.receipt(event.customer_id, receipt)


async def certificate(uow: CustomerUnitOfWork, customer_id: uuid.UUID, expected: Sequence[str]) -> ErasureCertificate:
    """``expected``: the services whose receipt completes the certificate."""
    async with uow:
        request = await uow.erasures.request(customer_id)
        if request is None:
            raise CustomerNotFound(customer_id)
        kind, requested_at, key_destroyed_at = request
        receipts = await uow.erasures.receipts(customer_id)
    return certificate_of(customer_id, kind, requested_at, receipts, expected, key_destroyed_at=key_destroyed_at)
