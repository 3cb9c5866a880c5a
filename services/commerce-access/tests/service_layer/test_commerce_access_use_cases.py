"""commerce-access's rules, through its use cases on a throwaway database: no Kafka, no HTTP.

The use cases open their own transaction (``async with uow``); the import and the erasure run
inside an event handler's, so the tests open and commit it for them. What the use cases
announce is read from the outbox they wrote.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.domain.errors import ConflictingState, InvalidInput, NotFoundError
from commerce_access.domain.products import Product
from commerce_access.service_layer import erasure
from commerce_access.service_layer.access import announce_expiries, change_dates
from commerce_access.service_layer.codes import redeem, remove_redemption
from commerce_access.service_layer.ordering import ImportRow, assign, checkout, import_order
from commerce_access.service_layer.products import ChangeProduct, CreateProduct, change_product, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]
TODAY = datetime.now(UTC).date()


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_uc"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_product(uows: Uows, access_days: int | None = 30, *prices: tuple[str, str]) -> Product:
    amounts = [(Decimal(a), c) for a, c in prices] or [(Decimal("49.99"), "USD")]
    return await create_product(uows(), CreateProduct("Safety 101", None, access_days, amounts))


def price_of(product: Product) -> uuid.UUID:
    return product.prices[0].price_id


async def in_handler(uows: Uows, work: Callable[[CommerceUnitOfWork], Awaitable[object]]) -> None:
    """Run ``work`` as an event handler does: inside a transaction it does not commit itself."""
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await work(uow)
        await uow.commit()


# Access windows


async def test_access_runs_for_the_duration_in_force_at_purchase(uows: Uows) -> None:
    product = await a_product(uows, 30)
    first = await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)
    await change_product(uows(), ChangeProduct(product.id, None, 365, access_days_given=True))
    second = await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)

    [before], [after] = first.access, second.access
    assert (before.starts_on, before.ends_on) == (TODAY, TODAY + timedelta(days=29))
    assert after.ends_on == TODAY + timedelta(days=364)
    async with uows() as uow:
        kept = await uow.access.get(before.id)
    assert kept is not None
    assert kept.ends_on == before.ends_on  # a new duration is not retroactive


async def test_an_unlimited_product_grants_access_without_an_end(uows: Uows) -> None:
    product = await a_product(uows, None)
    [row] = (await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)).access
    assert (row.starts_on, row.ends_on, row.status(TODAY + timedelta(days=3650))) == (TODAY, None, "active")


async def test_an_ended_access_is_announced_once(uows: Uows) -> None:
    product = await a_product(uows, 1)
    [row] = (await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)).access

    assert await announce_expiries(uows, today=TODAY) == 0  # the last day still counts
    assert await announce_expiries(uows, today=TODAY + timedelta(days=1)) == 1
    assert await announce_expiries(uows, today=TODAY + timedelta(days=2)) == 0
    [expired] = await emitted(uows(), "AccessExpired")
    assert (expired["access_id"], expired["ends_on"]) == (str(row.id), TODAY.isoformat())


async def test_extending_an_access_announces_the_change_and_a_new_expiry_later(uows: Uows) -> None:
    product = await a_product(uows, 1)
    [row] = (await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)).access
    await announce_expiries(uows, today=TODAY + timedelta(days=1))

    new_end = TODAY + timedelta(days=10)
    changed = await change_dates(uows(), row.id, TODAY, new_end)

    assert (changed.ends_on, changed.status(TODAY + timedelta(days=1))) == (new_end, "active")
    [announced] = await emitted(uows(), "AccessChanged")
    assert (announced["previous_ends_on"], announced["ends_on"]) == (TODAY.isoformat(), new_end.isoformat())
    assert await announce_expiries(uows, today=new_end) == 0
    assert await announce_expiries(uows, today=new_end + timedelta(days=1)) == 1


async def test_unchanged_dates_announce_nothing(uows: Uows) -> None:
    product = await a_product(uows, 30)
    [row] = (await checkout(uows(), uuid.uuid4(), price_of(product), 1, None)).access
    await change_dates(uows(), row.id, row.starts_on, row.ends_on)
    assert await emitted(uows(), "AccessChanged") == []


async def test_changing_the_dates_of_unknown_access_is_not_found(uows: Uows) -> None:
    with pytest.raises(NotFoundError, match=r"^No such access\.$"):
        await change_dates(uows(), uuid.uuid4(), TODAY, None)


# Orders


async def test_an_admin_assignment_is_a_zero_dollar_order_with_immediate_access(uows: Uows) -> None:
    product = await a_product(uows, 30, ("120.00", "CAD"))
    customer_id = uuid.uuid4()

    placed = await assign(uows(), customer_id, price_of(product))

    assert (placed.order.total, placed.order.currency, placed.order.source.value) == (
        Decimal("0.00"),
        "CAD",
        "admin_assignment",
    )
    assert [a.customer_id for a in placed.access] == [customer_id]
    [completed] = await emitted(uows(), "OrderCompleted")
    assert (Decimal(completed["total"]), completed["source"]) == (Decimal("0.00"), "admin_assignment")
    assert len(await emitted(uows(), "AccessGranted")) == 1


async def test_a_checkout_retried_with_its_key_finds_the_first_order(uows: Uows) -> None:
    product = await a_product(uows, 30)
    customer_id = uuid.uuid4()

    first = await checkout(uows(), customer_id, price_of(product), 1, "k-1")
    again = await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    assert (first.created, again.created, again.order.id) == (True, False, first.order.id)
    assert [a.id for a in again.access] == [a.id for a in first.access]
    assert len(await emitted(uows(), "OrderCompleted")) == 1


async def test_a_key_reused_for_another_order_is_a_conflict(uows: Uows) -> None:
    product = await a_product(uows, 30)
    customer_id = uuid.uuid4()
    await checkout(uows(), customer_id, price_of(product), 1, "k-1")

    with pytest.raises(ConflictingState) as refused:
        await checkout(uows(), customer_id, price_of(product), 2, "k-1")
    assert refused.value.code == "idempotency_key_reused"


async def test_an_unknown_price_is_refused_on_price_id(uows: Uows) -> None:
    with pytest.raises(InvalidInput) as refused:
        await checkout(uows(), uuid.uuid4(), uuid.uuid4(), 1, None)
    assert (refused.value.field_name, refused.value.reason) == ("price_id", "no such price")


async def test_an_import_row_becomes_one_order_however_often_it_comes(uows: Uows) -> None:
    product = await a_product(uows, 30)
    customer_id = uuid.uuid4()
    imported_at = datetime(2026, 1, 15, 12, tzinfo=UTC)
    row = ImportRow(uuid.uuid4(), 7, customer_id, price_of(product), Decimal("10.00"), "EUR", imported_at)

    await in_handler(uows, lambda uow: import_order(uow, row))
    await in_handler(uows, lambda uow: import_order(uow, row))

    async with uows() as uow:
        orders, total = await uow.orders.of_customer(customer_id, 10, 0)
        [access] = await uow.access.of_order(orders[0].id)
    assert (total, orders[0].total, orders[0].currency) == (1, Decimal("10.00"), "EUR")
    assert (access.starts_on, access.ends_on) == (date(2026, 1, 15), date(2026, 2, 13))


async def test_an_import_row_with_an_unknown_price_is_recorded_as_a_failure(uows: Uows) -> None:
    row = ImportRow(uuid.uuid4(), 3, uuid.uuid4(), uuid.uuid4(), None, None, datetime.now(UTC))

    await in_handler(uows, lambda uow: import_order(uow, row))

    async with uows() as uow:
        failures, total = await uow.orders.import_failures(10, 0)
        _, orders = await uow.orders.of_customer(row.customer_id, 10, 0)
    assert (total, orders) == (1, 0)
    assert (failures[0]["row_number"], failures[0]["reason"]) == (3, "unknown price_id")


# Registration codes


async def test_several_seats_issue_one_code_each_and_no_access(uows: Uows) -> None:
    product = await a_product(uows, 30)
    placed = await checkout(uows(), uuid.uuid4(), price_of(product), 3, None)

    assert (len(set(placed.codes)), placed.access) == (3, [])
    assert await emitted(uows(), "AccessGranted") == []


async def test_redeeming_a_code_grants_access_from_today_for_the_duration_bought(uows: Uows) -> None:
    product = await a_product(uows, 10)
    placed = await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)
    await change_product(uows(), ChangeProduct(product.id, None, 99, access_days_given=True))
    learner = uuid.uuid4()

    redeemed = await redeem(uows(), placed.codes[0].lower(), learner)  # codes read case-insensitively

    assert redeemed.created
    assert (redeemed.access.customer_id, redeemed.access.registration_code) == (learner, placed.codes[0])
    assert (redeemed.access.starts_on, redeemed.access.ends_on) == (TODAY, TODAY + timedelta(days=9))


async def test_redeeming_twice_gives_the_same_learner_the_same_seat(uows: Uows) -> None:
    product = await a_product(uows, 10)
    [code, _] = (await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)).codes
    learner = uuid.uuid4()

    first = await redeem(uows(), code, learner)
    again = await redeem(uows(), code, learner)

    assert (again.created, again.access.id) == (False, first.access.id)
    assert len(await emitted(uows(), "AccessGranted")) == 1


async def test_a_code_someone_else_holds_is_a_conflict(uows: Uows) -> None:
    product = await a_product(uows, 10)
    [code, _] = (await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)).codes
    await redeem(uows(), code, uuid.uuid4())

    with pytest.raises(ConflictingState) as refused:
        await redeem(uows(), code, uuid.uuid4())
    assert refused.value.code == "code_already_redeemed"


async def test_removing_the_user_revokes_their_access_and_returns_the_seat(uows: Uows) -> None:
    product = await a_product(uows, 10)
    purchaser = uuid.uuid4()
    [code, _] = (await checkout(uows(), purchaser, price_of(product), 2, None)).codes
    first = await redeem(uows(), code, uuid.uuid4())

    revoked = await remove_redemption(uows(), code)
    second = await redeem(uows(), code, uuid.uuid4())

    assert (revoked.id, revoked.status(TODAY), revoked.revoke_reason) == (
        first.access.id,
        "revoked",
        "registration_code_removed",
    )
    assert second.created
    async with uows() as uow:
        holders = await uow.codes.users(purchaser)
    assert [h["customer_id"] for h in holders] == [second.redemption.customer_id]
    [announced] = await emitted(uows(), "AccessRevoked")
    assert announced["reason"] == "registration_code_removed"


async def test_removing_a_redemption_nobody_holds_is_a_conflict(uows: Uows) -> None:
    product = await a_product(uows, 10)
    [code, _] = (await checkout(uows(), uuid.uuid4(), price_of(product), 2, None)).codes
    with pytest.raises(ConflictingState) as refused:
        await remove_redemption(uows(), code)
    assert refused.value.code == "code_not_redeemed"
    with pytest.raises(NotFoundError, match=r"^No such registration code\.$"):
        await redeem(uows(), "NOPE-NOPE-NOPE", uuid.uuid4())


# Products


async def test_each_price_gets_its_own_stable_price_id(uows: Uows) -> None:
    product = await a_product(uows, 30, ("49.99", "USD"), ("45.00", "EUR"))

    async with uows() as uow:
        stored = await uow.products.get(product.id)
        by_price = [await uow.products.price(p.price_id) for p in product.prices]
    assert stored is not None
    assert [p.price_id for p in stored.prices] == [p.price_id for p in product.prices]
    assert [(found[1].amount, found[1].currency) for found in by_price if found] == [
        (Decimal("49.99"), "USD"),
        (Decimal("45.00"), "EUR"),
    ]


async def test_a_product_change_leaves_what_was_not_sent(uows: Uows) -> None:
    product = await a_product(uows, 30)

    renamed = await change_product(uows(), ChangeProduct(product.id, "  Safety 201 ", None, access_days_given=False))
    unlimited = await change_product(uows(), ChangeProduct(product.id, None, None, access_days_given=True))

    assert (renamed.name, renamed.access_days) == ("Safety 201", 30)
    assert (unlimited.name, unlimited.access_days) == ("Safety 201", None)
    with pytest.raises(NotFoundError, match=r"^No such product\.$"):
        await change_product(uows(), ChangeProduct(uuid.uuid4(), "x", None, access_days_given=False))


# Erasure


async def test_customer_deleted_without_an_approved_deletion_removes_nothing(uows: Uows) -> None:
    """The seed forbids deleting a customer with orders: commerce-access never approved this one, so
    a CustomerDeleted (a stale or pre-saga event) must leave its orders, access and seats alone."""
    product = await a_product(uows, 10)
    customer_id, purchaser = uuid.uuid4(), uuid.uuid4()
    await checkout(uows(), customer_id, price_of(product), 1, None)
    [code, _] = (await checkout(uows(), purchaser, price_of(product), 2, None)).codes
    await redeem(uows(), code, customer_id)

    await in_handler(uows, lambda uow: erasure.delete_customer(uow, customer_id))

    async with uows() as uow:
        _, orders = await uow.orders.of_customer(customer_id, 10, 0)
        _, access = await uow.access.of_customer(customer_id, 10, 0)
        holders = await uow.codes.users(purchaser)
    assert (orders, access, len(holders)) == (1, 2, 1)
    await checkout(uows(), customer_id, price_of(product), 1, None)  # may still buy
    assert await emitted(uows(), "CustomerErasureCompleted") == []


async def test_an_erased_customer_keeps_orders_and_access(uows: Uows) -> None:
    product = await a_product(uows, 10)
    customer_id = uuid.uuid4()
    await checkout(uows(), customer_id, price_of(product), 1, None)

    await in_handler(uows, lambda uow: erasure.erase_customer(uow, customer_id))

    async with uows() as uow:
        _, orders = await uow.orders.of_customer(customer_id, 10, 0)
        _, access = await uow.access.of_customer(customer_id, 10, 0)
    assert (orders, access) == (1, 1)
    [receipt] = await emitted(uows(), "CustomerErasureCompleted")
    assert receipt["request_kind"] == "erased"
