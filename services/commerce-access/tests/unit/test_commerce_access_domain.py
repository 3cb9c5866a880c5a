"""The rules of commerce-access's domain, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from commerce_access.domain.access import RevokeReason, grant
from commerce_access.domain.codes import ALPHABET, new_code, normalise
from commerce_access.domain.errors import ConflictingState, InvalidInput
from commerce_access.domain.orders import ZERO, Source, place_order
from commerce_access.domain.products import Product, access_window

NOW = datetime(2025, 3, 22, 10, tzinfo=UTC)


def product(access_days: int | None = 365) -> Product:
    return Product.create("Data Literacy", None, access_days, [(Decimal("49.99"), "USD")], NOW)


def test_the_access_window_counts_the_last_day_inclusive() -> None:
    assert access_window(date(2025, 3, 22), 365) == (date(2025, 3, 22), date(2026, 3, 21))
    assert access_window(date(2025, 3, 22), 1) == (date(2025, 3, 22), date(2025, 3, 22))
    assert access_window(date(2025, 3, 22), None) == (date(2025, 3, 22), None)


def test_an_order_keeps_the_duration_in_force_when_bought() -> None:
    p = product(access_days=30)
    order = place_order(uuid.uuid4(), p, p.prices[0], source=Source.CHECKOUT, idempotency_key="k", at=NOW)
    p.access_days = 365  # changed afterwards
    row = grant(order, order.customer_id, NOW.date(), NOW)
    assert row.ends_on == date(2025, 4, 20)


def test_an_assignment_costs_nothing_and_seats_multiply_the_total() -> None:
    p = product()
    free = place_order(
        uuid.uuid4(), p, p.prices[0], source=Source.ADMIN_ASSIGNMENT, idempotency_key="a", unit_amount=ZERO, at=NOW
    )
    seats = place_order(uuid.uuid4(), p, p.prices[0], source=Source.CHECKOUT, idempotency_key="b", quantity=3, at=NOW)
    assert (free.total, free.issues_codes) == (Decimal("0.00"), False)
    assert (seats.total, seats.issues_codes) == (Decimal("149.97"), True)
    assert seats.same_request(seats.price_id, 3)
    assert not seats.same_request(seats.price_id, 2)


def test_dates_change_but_never_backwards_nor_once_revoked() -> None:
    p = product()
    order = place_order(uuid.uuid4(), p, p.prices[0], source=Source.CHECKOUT, idempotency_key="k", at=NOW)
    row = grant(order, order.customer_id, NOW.date(), NOW)
    previous = row.change_dates(date(2025, 1, 1), None)
    assert previous == (date(2025, 3, 22), date(2026, 3, 21))
    with pytest.raises(InvalidInput):
        row.change_dates(date(2025, 2, 1), date(2025, 1, 1))
    row.revoke(RevokeReason.ADMIN, NOW)
    assert row.status(date(2025, 6, 1)) == "revoked"
    with pytest.raises(ConflictingState):
        row.change_dates(date(2025, 1, 1), None)


def test_an_expiry_is_due_once_per_end_date() -> None:
    p = product(access_days=10)
    order = place_order(uuid.uuid4(), p, p.prices[0], source=Source.CHECKOUT, idempotency_key="k", at=NOW)
    row = grant(order, order.customer_id, NOW.date(), NOW)
    assert row.ends_on == date(2025, 3, 31)
    assert not row.expiry_due(date(2025, 3, 31))  # the last day is still a day of access
    assert row.expiry_due(date(2025, 4, 1))
    row.expiry_noticed_for = row.ends_on
    assert not row.expiry_due(date(2025, 4, 1))
    row.change_dates(row.starts_on, date(2025, 3, 25))
    assert row.expiry_due(date(2025, 4, 1))
    assert row.status(date(2025, 4, 1)) == "expired"
    assert row.status(date(2025, 3, 1)) == "upcoming"


def test_codes_avoid_look_alike_characters_and_read_case_insensitively() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(c.count("-") == 2 and set(c.replace("-", "")) <= set(ALPHABET) for c in codes)
    assert normalise(" abcd-efgh-jkmn ") == "ABCD-EFGH-JKMN"
