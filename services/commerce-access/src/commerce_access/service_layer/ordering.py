"""Use cases that complete orders: learner checkout, admin assignment, an import row.

Every completed order emits OrderCompleted. Quantity 1 grants the purchaser access at once;
quantity > 1 issues that many registration codes to the purchaser instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from commerce_access.adapters.order_records import Completing
from commerce_access.domain.access import Access, grant
from commerce_access.domain.codes import RegistrationCode, new_code
from commerce_access.domain.errors import ConflictingState, InvalidInput
from commerce_access.domain.orders import ZERO, Completion, Order, Source, place_order
from commerce_access.domain.products import Price, Product
from commerce_access.service_layer import announcements
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.contracts import ImportRowOrderSettled
from trainyard_common.contracts.base import Event
from trainyard_common.db.uow import current_cause
from trainyard_common.vocabulary import ImportOrderOutcome


@dataclass(frozen=True, slots=True)
class Placed:
    order: Order
    created: bool
    """False: the key was known, this is the earlier order (a retry)."""
    codes: list[str] = field(default_factory=list)
    access: list[Access] = field(default_factory=list)


async def checkout(
    uow: CommerceUnitOfWork,
    customer_id: uuid.UUID,
    price_id: uuid.UUID,
    quantity: int,
    key: str | None,
    *,
    impersonated_by: str | None = None,
) -> Placed:
    """``key`` (the client's Idempotency-Key) makes a retried request find its first order;
    ``impersonated_by``: the admin placing it while impersonating the customer (kept with the
    order and told in its events).

    One round trip to the database when the price is known to this process: the order is built
    from the price as last read, and written (with the deletion lock, and committed) only if that
    price is still current (``Completion.STALE``: read it again and retry)."""
    idempotency_key = f"checkout:{key}" if key else f"checkout:{uuid.uuid4()}"
    async with uow:
        for attempt in range(_CHECKOUT_ATTEMPTS):
            priced = await uow.products.remembered_price(price_id, read_again=attempt > 0)
            if priced is None:
                raise await _unknown_price(uow, customer_id)
            order = place_order(
                customer_id,
                *priced,
                source=Source.CHECKOUT,
                idempotency_key=idempotency_key,
                quantity=quantity,
                at=datetime.now(UTC),
                impersonated_by=impersonated_by,
            )
            completing = _completing(uow, order, priced)
            outcome = await uow.orders.complete_and_commit(completing)
            if outcome is not Completion.STALE:
                break
        if outcome is Completion.PLACED:
            uow.committed_by_statement()
        placed = await _settled(uow, completing, outcome)
    if not placed.order.same_request(price_id, quantity):
        raise ConflictingState("idempotency_key_reused", "This Idempotency-Key was used for another order.")
    return placed


_CHECKOUT_ATTEMPTS = 3
"""Tries of a checkout, the price read again after each stale copy; past them the product kept
changing (409 ``product_changed``)."""


async def assign(uow: CommerceUnitOfWork, customer_id: uuid.UUID, price_id: uuid.UUID) -> Placed:
    """An admin's "assign product": a completed zero-dollar order and immediate access."""
    async with uow:
        priced = await _priced(uow, customer_id, price_id)
        order = place_order(
            customer_id,
            *priced,
            source=Source.ADMIN_ASSIGNMENT,
            idempotency_key=f"assignment:{uuid.uuid4()}",
            unit_amount=ZERO,
            at=datetime.now(UTC),
        )
        completing = _completing(uow, order, priced)
        outcome = await uow.orders.add_completed(completing)
        placed = await _settled(uow, completing, outcome)
        uow.outbox_written_by_sql()  # the commit nudges the relay
        await uow.commit()
    return placed


@dataclass(frozen=True, slots=True)
class ImportRow:
    import_id: uuid.UUID
    row_number: int
    customer_id: uuid.UUID
    price_id: uuid.UUID
    cost: Decimal | None
    currency: str | None
    imported_at: datetime


async def import_order(uow: CommerceUnitOfWork, row: ImportRow) -> ImportRowOrderSettled:
    """Runs inside the event handler's unit of work, and answers the row (ImportRowOrderSettled):
    ordered — also when an earlier delivery created the order — or refused with its reason
    (``unknown_price``, also kept in ``import_failures``; ``customer_deleted``), which
    customer-account shows as the row's failure in the import's result."""
    at = datetime.now(UTC)
    order_id, reason = None, None
    found = None
    if await uow.orders.is_deleted(row.customer_id):
        reason = "customer_deleted"
    elif (found := await uow.products.price(row.price_id)) is None:
        reason = "unknown_price"
        await uow.orders.record_import_failure(
            import_id=row.import_id,
            row_number=row.row_number,
            customer_id=row.customer_id,
            price_id=row.price_id,
            reason="unknown price_id",
            at=at,
        )
    else:
        product, price = found
        order = place_order(
            row.customer_id,
            product,
            price,
            source=Source.IMPORT,
            idempotency_key=f"import:{row.import_id}:{row.row_number}",
            unit_amount=row.cost,
            currency=row.currency,
            at=row.imported_at,
        )
        order_id = (await _complete(uow, order)).order.id
    settled = ImportRowOrderSettled(
        import_id=row.import_id,
        row_number=row.row_number,
        customer_id=row.customer_id,
        price_id=row.price_id,
        outcome=ImportOrderOutcome.REFUSED if reason else ImportOrderOutcome.ORDERED,
        order_id=order_id,
        reason=reason,
        settled_at=at,
    )
    uow.emit(settled)
    return settled


def _deleted() -> ConflictingState:
    return ConflictingState("customer_deleted", "The customer was deleted.")


async def _priced(uow: CommerceUnitOfWork, customer_id: uuid.UUID, price_id: uuid.UUID) -> tuple[Product, Price]:
    """The customer's deletion lock, then the refusals in this order: a deleted customer, an
    unknown price. One statement (``checkout_gate``); a second only to refuse an unknown price,
    to be sure the customer was not deleted while this waited for the lock."""
    deleted, found = await uow.orders.checkout_gate(customer_id, price_id)
    if deleted:
        raise _deleted()
    if found is None:
        raise await _unknown_price(uow, customer_id)
    return found


async def _unknown_price(uow: CommerceUnitOfWork, customer_id: uuid.UUID) -> ConflictingState | InvalidInput:
    """The refusal of an order at an unknown price: a deleted customer is told so first."""
    return _deleted() if await uow.orders.is_deleted(customer_id) else InvalidInput("price_id", "no such price")


def _completing(uow: CommerceUnitOfWork, order: Order, priced: tuple[Product, Price]) -> Completing:
    """What completing ``order`` writes beside it: its access (one seat) or its codes (several),
    and its events as outbox rows."""
    granted: list[Access] = []
    codes: list[RegistrationCode] = []
    if order.issues_codes:
        codes = [
            RegistrationCode(new_code(), order.id, order.customer_id, order.product_id, order.completed_at)
            for _ in range(order.quantity)
        ]
    else:
        granted = [grant(order, order.customer_id, order.completed_at.astimezone(UTC).date(), order.completed_at)]
    events: list[Event] = [announcements.order_completed(order)]
    events += [announcements.access_granted(row, order.impersonated_by) for row in granted]
    cause = uow.cause or current_cause()
    return Completing(order, granted, codes, [uow.outbox_rows.row(e, cause) for e in events], priced)


async def _settled(uow: CommerceUnitOfWork, completing: Completing, outcome: Completion) -> Placed:
    """What a checkout or an assignment answers once its statement ran: the order placed, the
    earlier order with its key (a retry), or a refusal: a deleted customer, a product that kept
    changing while the order was built from it."""
    if outcome is Completion.DELETED:
        raise _deleted()
    if outcome is Completion.STALE:
        raise ConflictingState("product_changed", "The product changed while the order was placed; try again.")
    if outcome is Completion.KNOWN:
        return await _earlier(uow, completing.order)
    codes = sorted(c.code for c in completing.codes)
    return Placed(completing.order, True, codes=codes, access=list(completing.granted))


async def _earlier(uow: CommerceUnitOfWork, order: Order) -> Placed:
    """The order already placed with ``order``'s idempotency key (a retry)."""
    earlier = await uow.orders.by_key(order.customer_id, order.idempotency_key)
    assert earlier is not None  # the conflicting row is committed: ON CONFLICT waited for it
    return Placed(earlier, False, await uow.codes.of_order(earlier.id), await uow.access.of_order(earlier.id))


async def _complete(uow: CommerceUnitOfWork, order: Order) -> Placed:
    if not await uow.orders.add_unless_known(order):
        return await _earlier(uow, order)
    uow.emit(announcements.order_completed(order))
    if order.issues_codes:
        codes = [
            RegistrationCode(new_code(), order.id, order.customer_id, order.product_id, order.completed_at)
            for _ in range(order.quantity)
        ]
        await uow.codes.add_all(codes)
        return Placed(order, True, codes=sorted(c.code for c in codes))
    row = grant(order, order.customer_id, order.completed_at.astimezone(UTC).date(), order.completed_at)
    await uow.access.add(row)
    uow.emit(announcements.access_granted(row, order.impersonated_by))
    return Placed(order, True, access=[row])
