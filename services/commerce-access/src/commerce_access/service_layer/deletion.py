"""The deletion saga's decision: commerce-access owns orders and access, so it says whether a
customer may be deleted (CustomerDeletionRequested → CustomerDeletionDecided).

The decision runs in the handler's transaction (with the claim of the request). It first takes
the customer's exclusive deletion lock: every checkout, assignment, import order and redemption
holds the shared one from its ``is_deleted`` check to its commit, so an order created while the
request travelled is committed, and seen, before the decision is taken. An approval writes the
tombstone in the same transaction: from then on those paths refuse the customer
(``customer_deleted``), so nothing can slip in before CustomerDeleted arrives.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import CustomerDeletionDecided
from trainyard_common.vocabulary import DeletionDecision

log = logging.getLogger(__name__)


async def decide_deletion(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> DeletionDecision:
    """Refused (``has_orders`` / ``has_access``) or approved with the tombstone; announced."""
    if uow.event_id is None:
        raise RuntimeError("a deletion decision answers a request: its event id is needed")
    await uow.orders.lock_for_decision(customer_id)
    at = datetime.now(UTC)
    reason = await refusal(uow, customer_id, at)
    decision = DeletionDecision.REFUSED if reason else DeletionDecision.APPROVED
    if decision is DeletionDecision.APPROVED:
        await uow.orders.mark_deleted(customer_id, at)
    request_event_id = uuid.UUID(uow.event_id)
    await uow.orders.record_decision(request_event_id, customer_id, decision.value, reason, at)
    log.info("deletion of %s %s%s", customer_id, decision.value, f" ({reason})" if reason else "")
    uow.emit(
        CustomerDeletionDecided(
            customer_id=customer_id, request_event_id=request_event_id, decision=decision, reason=reason, decided_at=at
        )
    )
    return decision


async def refusal(uow: CommerceUnitOfWork, customer_id: uuid.UUID, at: datetime) -> str | None:
    """Why the seed forbids deleting the customer, if it does: any order (registration codes
    come with their order), or access in force (a redeemed code's included)."""
    if await uow.orders.is_deleted(customer_id):
        return None  # approved already (a repeated request): nothing can have been added since
    if await uow.orders.has_any(customer_id):
        return "has_orders"
    if await uow.access.counts_for(customer_id, at.date()):
        return "has_access"
    return None
