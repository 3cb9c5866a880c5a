"""Erasures still waiting for receipts, for /metrics (the alert TrainyardErasureReceiptsMissing).

An erasure or deletion is open while one of the expected services (``Settings.erasure_services``)
has not sent its receipt for that kind of request. Every ``INTERVAL_SECONDS`` one query counts
the open ones older than an hour and measures the oldest; every replica reports the same figures
(alerts take the ``max``). ``watch`` registers the job (``runtime.every``) in ``bootstrap``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import text

from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.runtime import ServiceRuntime

INTERVAL_SECONDS = 60.0
OVERDUE = "1h"

ERASURES_AWAITING_RECEIPTS = Gauge(
    "trainyard_erasures_awaiting_receipts",
    "Erasure and deletion requests older than older_than still missing an expected service's receipt.",
    ["older_than"],
)
OLDEST_OPEN_ERASURE_SECONDS = Gauge(
    "trainyard_erasure_oldest_open_age_seconds",
    "Age of the oldest erasure or deletion request still missing a receipt (0 when none is open).",
)

_OPEN = text(
    """
    SELECT count(*) FILTER (WHERE e.requested_at < now() - interval '1 hour'),
           coalesce(extract(epoch FROM now() - min(e.requested_at)), 0)
    FROM erasures e
    WHERE (SELECT count(DISTINCT r.service) FROM erasure_receipts r
           WHERE r.customer_id = e.customer_id AND r.kind = e.kind AND r.service = ANY(CAST(:expected AS text[])))
          < :needed
    """
)


async def observe(uow: SqlUnitOfWork, expected: Sequence[str]) -> tuple[int, float]:
    """Set the gauges from the database; return (open and older than an hour, oldest open's age)."""
    async with uow:
        overdue, oldest = (
            await uow.session.execute(_OPEN, {"expected": list(expected), "needed": len(set(expected))})
        ).one()
    ERASURES_AWAITING_RECEIPTS.labels(OVERDUE).set(overdue)
    OLDEST_OPEN_ERASURE_SECONDS.set(float(oldest))
    return int(overdue), float(oldest)


def watch(runtime: ServiceRuntime[Any], expected: Sequence[str]) -> None:
    """Refresh the gauges every ``INTERVAL_SECONDS`` while the service runs."""
    expected = list(expected)
    runtime.every(INTERVAL_SECONDS, "erasure-metrics", lambda: observe(runtime.unit_of_work(), expected))
