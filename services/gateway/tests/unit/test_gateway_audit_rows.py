"""The audit log's page is written straight out (``PlainJSON`` of ``audit_row``): the same JSON,
field for field, as its documented model (``AuditEntryPublic``) writes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from gateway.domain.audit import AuditEntry, Outcome, audit_row
from gateway.entrypoints.schemas import AuditEntryPublic, AuditLog
from trainyard_common.http.plain_json import PlainJSON, capped_page

ENTRIES = [
    AuditEntry("ada", "POST /api/v1/admin/clients", "client:1", Outcome.SUCCESS, 201, "req-1", "10.0.0.1", "curl/8"),
    AuditEntry(
        "integration:lms",
        "sign-in",
        None,
        Outcome.DENIED,
        None,
        "req-2",
        id=uuid.UUID(int=7),
        at=datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
    ),
    AuditEntry("system", "erasure", "customer:2", Outcome.FAILED, 500, "req-3", at=datetime(2026, 3, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=["success", "denied, not UTC", "failed, no microseconds"])
def test_an_entry_is_written_as_its_model_writes_it(entry: AuditEntry) -> None:
    written = orjson.loads(PlainJSON(capped_page([audit_row(entry)], 1)).body)
    modelled = orjson.loads(AuditLog(items=[AuditEntryPublic(**audit_row(entry))], total=1).model_dump_json())
    assert written == modelled
    assert set(written["items"][0]) == set(AuditEntryPublic.model_fields)
