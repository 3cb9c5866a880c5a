"""Outbox rows: what ``uow.emit`` and the bulk paths write, and the relay publishes.

A row holds the event's plain topic, its key, its JSON payload and its CloudEvents headers as
a JSON object. Most headers are the same for every event of one type from one service
(``ce_specversion``, ``ce_type``, ``ce_source``, ``ce_schemaversion``, ``content-type``): they are
serialised once per type and only the varying ones (``ce_id``, ``ce_time``, ``ce_subject``,
``ce_correlationid``, the trace context) are added per event. The result is the same set of
headers ``Envelope.to_headers`` gives, so consumers cannot tell the two apart.

Rows are written with one statement per commit: arrays of the four columns through
``unnest``, whatever the number of events.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts.base import Event
from trainyard_common.messaging.envelope import CONTENT_TYPE, SPEC_VERSION, TYPE_PREFIX

OutboxRow = tuple[str, str, str, str]
"""topic, message key, payload JSON, headers JSON: the outbox's columns, as written."""

_INSERT_ROWS = text(
    "INSERT INTO outbox (topic, message_key, payload, headers) "
    "SELECT t, k, p, h::jsonb FROM unnest(CAST(:topics AS text[]), CAST(:keys AS text[]), "
    "CAST(:payloads AS text[]), CAST(:headers AS text[])) WITH ORDINALITY AS r(t, k, p, h, n) ORDER BY n"
)


@dataclass(frozen=True, slots=True)
class Cause:
    """What an emitted event inherits from the event (or request) that caused it."""

    correlation_id: str = ""
    trace_headers: Mapping[str, str] = field(default_factory=dict)


@functools.cache
def _constant_headers(event_type: str, schema_version: int, source: str) -> bytes:
    """The headers every event of this type from this source shares, as a JSON object's members."""
    constant = {
        "ce_specversion": SPEC_VERSION,
        "ce_type": f"{TYPE_PREFIX}{event_type}",
        "ce_source": source,
        "ce_schemaversion": str(schema_version),
        "content-type": CONTENT_TYPE,
    }
    return orjson.dumps(constant)[1:-1]  # without the braces: the varying members are appended


class OutboxRows:
    """Builds outbox rows for one service (its CloudEvents ``source``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def row(self, event: Event, cause: Cause) -> OutboxRow:
        subject = event.aggregate_id()
        return (event.topic(), subject, event.model_dump_json(), self.headers(event, subject, cause))

    def headers(
        self,
        event: Event,
        subject: str,
        cause: Cause,
        *,
        event_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        varying: dict[str, str] = {
            "ce_id": event_id,
            "ce_time": (at or datetime.now(UTC)).isoformat(),
            "ce_correlationid": cause.correlation_id or event_id,
            **cause.trace_headers,
        }
        if subject:
            varying["ce_subject"] = subject
        constant = _constant_headers(event.event_type, event.schema_version, self.source)
        return (b"{" + constant + b"," + orjson.dumps(varying)[1:]).decode()


async def insert_outbox_rows(session: AsyncSession, rows: Sequence[OutboxRow]) -> None:
    """Every row in one statement, in the order given (the outbox id follows it)."""
    if not rows:
        return
    topics, keys, payloads, headers = zip(*rows, strict=True)
    await session.execute(
        _INSERT_ROWS,
        {"topics": list(topics), "keys": list(keys), "payloads": list(payloads), "headers": list(headers)},
    )
