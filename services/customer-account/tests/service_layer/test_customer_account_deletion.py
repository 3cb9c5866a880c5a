"""The deletion saga as customer-account plays it, and an import row's settlement: use cases on a
throwaway database, commerce-access's answers given as its events would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customer_account.domain.actors import Actor
from customer_account.domain.errors import NoDeletionRequested, NotAllowed
from customer_account.domain.imports import RowError
from customer_account.domain.sign_in import SignInPolicy
from customer_account.service_layer import erasure, sessions
from customer_account.service_layer.commerce import record_orders
from customer_account.service_layer.imports import ImportReport, import_result, record_row_order, stored_import
from customer_account.service_layer.sessions import SessionConfig
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerDeletionDecided, ImportRowOrderSettled, OrderCompleted, OrderLine
from trainyard_common.testing.use_cases import emitted
from trainyard_common.vocabulary import DeletionDecision, ImportOrderOutcome, OrderSource

from .conftest import PASSWORD, Register, Uows

pytestmark = pytest.mark.integration

CONFIG = SessionConfig(SignInPolicy(), ttl=timedelta(minutes=5), impersonation_ttl=timedelta(minutes=2))
ADMIN = Actor.admin("root@trainyard")


async def decided(uows: Uows, customer_id: uuid.UUID, decision: DeletionDecision, reason: str | None = None) -> None:
    event = CustomerDeletionDecided(
        customer_id=customer_id,
        request_event_id=uuid.uuid4(),
        decision=decision,
        reason=reason,
        decided_at=datetime.now(UTC),
    )
    uow: CustomerUnitOfWork
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await erasure.apply_deletion_decision(uow, event)
        await uow.commit()


async def test_a_requested_deletion_ends_sessions_and_blocks_sign_in_once(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), CONFIG, ada.email or "", PASSWORD, None)

    first = await erasure.request_deletion(uows(), ada.id, ADMIN)
    again = await erasure.request_deletion(uows(), ada.id, ADMIN)

    assert (first.state.value, again.state.value, again.requested_at) == ("pending", "pending", first.requested_at)
    [requested] = await emitted(uows(), "CustomerDeletionRequested")  # asked twice, sent once
    assert requested["customer_id"] == str(ada.id)
    assert await sessions.introspect(uows(), issued.token) is None  # the learner guard refuses: no buying
    with pytest.raises(sessions.SignInRefused) as refused:
        await sessions.sign_in(uows(), CONFIG, ada.email or "", PASSWORD, None)
    assert refused.value.status.value == "inactive"  # as an inactive account
    with pytest.raises(NotAllowed):
        await sessions.impersonate(uows(), CONFIG, ada.id, "root@trainyard")


async def test_a_customer_known_to_have_orders_is_refused_at_once(uows: Uows, register: Register) -> None:
    ada = await register()
    line = OrderLine(
        product_id=uuid.uuid4(),
        price_id=uuid.uuid4(),
        product_name="Safety",
        quantity=1,
        unit_amount=Decimal(0),
        currency="USD",
    )
    order = OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=ada.id,
        lines=[line],
        total=Decimal(0),
        currency="USD",
        source=OrderSource.ADMIN_ASSIGNMENT,
        idempotency_key="assignment:x",
        completed_at=datetime.now(UTC),
    )
    async with uows() as uow:
        await record_orders(uow, [order])
        await uow.commit()

    with pytest.raises(NotAllowed) as refused:
        await erasure.request_deletion(uows(), ada.id, ADMIN)

    assert refused.value.code == "customer_has_orders"
    assert await emitted(uows(), "CustomerDeletionRequested") == []
    with pytest.raises(NoDeletionRequested):
        await erasure.deletion(uows(), ada.id)


async def test_a_refusal_restores_the_customer_with_its_reason(uows: Uows, register: Register) -> None:
    ada = await register()
    issued = await sessions.sign_in(uows(), CONFIG, ada.email or "", PASSWORD, None)
    await erasure.request_deletion(uows(), ada.id, ADMIN)

    await decided(uows, ada.id, DeletionDecision.REFUSED, "has_orders")

    outcome = await erasure.deletion(uows(), ada.id)
    assert (outcome.state.value, outcome.reason) == ("refused", "has_orders")
    assert outcome.decided_at is not None
    assert await sessions.introspect(uows(), issued.token) is None  # ended sessions stay ended
    await sessions.sign_in(uows(), CONFIG, ada.email or "", PASSWORD, None)  # may sign in again
    assert await emitted(uows(), "CustomerDeleted") == []
    async with uows() as uow:
        activity, _ = await uow.activity.of_customer(ada.id, limit=50, offset=0)
    assert [a.type for a in activity if a.type != "signed_in"][-2:] == ["deletion_requested", "deletion_refused"]


async def test_an_approval_deletes_the_customer_and_announces_it(uows: Uows, register: Register) -> None:
    ada = await register()
    await erasure.request_deletion(uows(), ada.id, ADMIN)

    await decided(uows, ada.id, DeletionDecision.APPROVED)
    await decided(uows, ada.id, DeletionDecision.APPROVED)  # a repeated answer changes nothing

    async with uows() as uow:
        assert await uow.customers.get(ada.id) is None
    outcome = await erasure.deletion(uows(), ada.id)
    assert outcome.state.value == "done"
    [deleted] = await emitted(uows(), "CustomerDeleted")
    assert deleted["customer_id"] == str(ada.id)
    certificate = await erasure.certificate(uows(), ada.id, ["commerce-access"])
    assert certificate.kind == "deleted"


async def test_a_decision_without_a_pending_request_is_ignored(uows: Uows, register: Register) -> None:
    ada = await register()

    await decided(uows, ada.id, DeletionDecision.APPROVED)

    async with uows() as uow:
        assert await uow.customers.get(ada.id) is not None
    assert await emitted(uows(), "CustomerDeleted") == []


async def test_an_import_result_shows_refused_price_ids_as_row_errors(uows: Uows) -> None:
    report = ImportReport(created=2, imported_rows=2, errors=[RowError(3, "email", "Email is missing")])
    report.orders_expected = 2
    customer_id, known, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with uows() as uow:
        await uow.import_results.save(stored_import(report, datetime.now(UTC)))
        await uow.commit()
    pending = await import_result(uows(), report.import_id)
    assert (pending.pending, pending.all_errors()) == (2, report.errors)

    for row, price, outcome, reason in [
        (1, known, ImportOrderOutcome.ORDERED, None),
        (2, unknown, ImportOrderOutcome.REFUSED, "unknown_price"),
        (2, unknown, ImportOrderOutcome.REFUSED, "unknown_price"),  # delivered twice
    ]:
        event = ImportRowOrderSettled(
            import_id=report.import_id,
            row_number=row,
            customer_id=customer_id,
            price_id=price,
            outcome=outcome,
            order_id=uuid.uuid4() if outcome is ImportOrderOutcome.ORDERED else None,
            reason=reason,
            settled_at=datetime.now(UTC),
        )
        async with uows() as uow:
            await record_row_order(uow, event)
            await uow.commit()

    settled = await import_result(uows(), report.import_id)
    assert (settled.pending, settled.ordered, settled.refused) == (0, 1, 1)
    [refused, missing] = settled.all_errors()
    assert (refused.number, refused.field) == (2, "price_id")
    assert str(unknown) in refused.reason
    assert "imported without this product" in refused.reason
    assert missing.number == 3
