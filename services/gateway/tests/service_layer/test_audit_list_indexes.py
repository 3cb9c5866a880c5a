"""The audit log's list on big data (issue 18, item 4): each filter is answered from an index —
no sequential scan of audit_log — its page and its (capped) total alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.adapters.repository import audit_list_query
from gateway.adapters.tables import audit_log
from gateway.bootstrap import MIGRATIONS
from gateway.domain.audit import AuditQuery
from gateway.service_layer.audit import audit_page
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.db.counting import COUNT_CAP, capped_count_query
from trainyard_common.testing.plans import assert_no_seq_scan, explain
from trainyard_common.testing.use_cases import database_filled_once, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], GatewayUnitOfWork]
ENTRIES = 200_000
NOW = datetime(2026, 6, 1, tzinfo=UTC)

FILL = f"""
INSERT INTO audit_log (id, at, actor, action, target, outcome, status_code, correlation_id)
SELECT gen_random_uuid(), TIMESTAMPTZ '2026-06-01 00:00:00+00' - i * interval '10 seconds', 'admin' || (i % 50),
       (ARRAY['GET /api/v1/admin/customers', 'PATCH /api/v1/admin/customers/{{id}}', 'POST /api/v1/admin/clients'])
         [1 + i % 3],
       'customer:' || (i % 20000), 'success', 200, 'c-' || i
FROM generate_series(0, {ENTRIES - 1}) AS i
"""

COMBINATIONS: list[dict[str, Any]] = [
    {},
    {"actor": "admin7"},
    {"action": "POST /api/v1/admin/clients"},
    {"target": "customer:1234"},
    {"since": NOW - timedelta(hours=1)},
    {"until": NOW - timedelta(days=20)},
    {"actor": "admin7", "since": NOW - timedelta(days=1)},
    {"actor": "admin7", "action": "POST /api/v1/admin/clients"},
    {"target": "customer:1234", "since": NOW - timedelta(days=3)},
]


@pytest.fixture(scope="module")
def filled_database(pg_url: str) -> Iterator[str]:
    """Filled once for the module: its tests only read."""
    with database_filled_once(pg_url, "gw_audit_lists", MIGRATIONS, FILL, "audit_log") as url:
        yield url


@pytest.fixture
async def filled(filled_database: str) -> AsyncIterator[Uows]:
    async with units_of_work(filled_database, GatewayUnitOfWork, MIGRATIONS) as uows:
        yield uows


async def test_each_filter_is_answered_from_an_index(filled: Uows) -> None:
    failures = []
    for filters in COMBINATIONS:
        query = audit_list_query(AuditQuery(**filters))
        async with filled() as uow:
            plans = {
                "page": await explain(uow.session, query.order_by(audit_log.c.at.desc(), audit_log.c.id).limit(50)),
                "total": await explain(uow.session, capped_count_query(query)),
            }
        for name, plan in plans.items():
            try:
                assert_no_seq_scan(plan, "audit_log")
            except AssertionError as failure:
                failures.append(f"{name} of {filters}: {failure}")
    assert not failures, "\n\n".join(failures)


async def test_the_total_stops_counting_at_the_cap(filled: Uows) -> None:
    async with filled() as uow:
        everything = await audit_page(uow, AuditQuery(limit=3))
    async with filled() as uow:
        one_target = await audit_page(uow, AuditQuery(target="customer:1234"))
    assert everything[1] == COUNT_CAP + 1
    assert len(everything[0]) == 3
    assert one_target[1] == ENTRIES // 20000
