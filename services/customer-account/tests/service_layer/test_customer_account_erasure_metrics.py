"""The gauges behind the alert TrainyardErasureReceiptsMissing: open erasures older than an hour."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from customer_account.adapters import erasure_metrics
from customer_account.domain.erasure import Receipt
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.vocabulary import ErasureKind

from .conftest import Uows

EXPECTED = ["client-directory", "commerce-access", "training-progress"]


async def request(
    uows: Uows, kind: ErasureKind, age: timedelta, receipts_from: list[str], *, of_kind: str = ""
) -> None:
    customer_id, at = uuid.uuid4(), datetime.now(UTC) - age
    uow: CustomerUnitOfWork
    async with uows() as uow:
        await uow.erasures.requested(customer_id, kind.value, at)
        for service in receipts_from:
            receipt = Receipt(service, of_kind or kind.value, at + timedelta(seconds=1), uuid.uuid4())
            await uow.erasures.receipt(customer_id, receipt)
        await uow.commit()


def exposed(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_nothing_open_reports_zero(uows: Uows) -> None:
    await request(uows, ErasureKind.ERASED, timedelta(hours=3), EXPECTED)

    assert await erasure_metrics.observe(uows(), EXPECTED) == (0, 0.0)
    assert exposed("trainyard_erasures_awaiting_receipts", older_than="1h") == 0
    assert exposed("trainyard_erasure_oldest_open_age_seconds") == 0


async def test_requests_missing_a_receipt_after_an_hour_are_counted(uows: Uows) -> None:
    await request(uows, ErasureKind.ERASED, timedelta(hours=2), EXPECTED[:2])  # one receipt missing: overdue
    await request(uows, ErasureKind.DELETED, timedelta(hours=5), [])  # none at all: overdue, the oldest
    # The receipts of an earlier erasure do not complete a later deletion.
    await request(uows, ErasureKind.DELETED, timedelta(hours=1, minutes=5), EXPECTED, of_kind=ErasureKind.ERASED.value)
    await request(uows, ErasureKind.ERASED, timedelta(minutes=10), [])  # open, but not yet overdue
    await request(uows, ErasureKind.ERASED, timedelta(hours=9), [*EXPECTED, "another-service"])  # complete

    overdue, oldest = await erasure_metrics.observe(uows(), EXPECTED)

    assert overdue == 3
    assert 5 * 3600 - 60 < oldest < 5 * 3600 + 60
    assert exposed("trainyard_erasures_awaiting_receipts", older_than="1h") == 3
    assert exposed("trainyard_erasure_oldest_open_age_seconds") == oldest
