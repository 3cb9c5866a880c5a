"""Checking outbox rows that pydantic did not write: bulk paths build their payloads in SQL
(``trainyard_common.messaging.outbox.insert_outbox_sql``), so a test must show that each one is what
consumers accept — the committed JSON Schema, the pydantic contract, the CloudEvents headers.

Test code (needs the dev dependency ``jsonschema``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts import ALL_EVENTS, Event
from trainyard_common.contracts.export import SCHEMAS_DIR, find_repo_root
from trainyard_common.messaging.envelope import CONTENT_TYPE, Envelope

EVENTS_BY_TOPIC: dict[str, type[Event]] = {event.topic(): event for event in ALL_EVENTS}


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """An outbox row that passed every check, with what consumers make of it."""

    event: Event
    envelope: Envelope
    headers: Mapping[str, str]


async def outbox_rows(session: AsyncSession) -> list[tuple[str, str, str, dict[str, str]]]:
    """Every row of the outbox, in id order (the relay's): topic, key, payload, headers."""
    rows = await session.execute(text("SELECT topic, message_key, payload, headers FROM outbox ORDER BY id"))
    return [(r.topic, r.message_key, r.payload, dict(r.headers)) for r in rows]


def check_outbox_row(topic: str, key: str, payload: str, headers: Mapping[str, str], *, source: str) -> CheckedRow:
    """Raise AssertionError unless the row is an event as ``uow.emit`` would have written it.

    The payload validates against the topic's committed JSON Schema (formats included) and the
    pydantic contract, and carries every field the contract writes (optional ones as null); the
    headers make a CloudEvents envelope of that type from ``source``, about the key's aggregate.
    """
    event_type = EVENTS_BY_TOPIC[topic]
    document = json.loads(payload)
    errors = [error.message for error in _validator(topic).iter_errors(document)]
    _require(not errors, f"{topic} payload breaks its JSON Schema: {errors}: {payload}")
    event = event_type.model_validate_json(payload)
    _require(
        set(document) == set(event.model_dump(mode="json")),
        f"{topic} payload fields {sorted(document)} differ from the contract's {sorted(event.model_dump())}",
    )
    envelope = Envelope.from_headers(headers)
    expected = (event_type.event_type, source, key, event.aggregate_id(), event_type.schema_version, CONTENT_TYPE)
    found = (
        envelope.event_type,
        envelope.source,
        envelope.subject,
        key,
        envelope.schema_version,
        headers.get("content-type"),
    )
    _require(found == expected, f"{topic} headers {dict(headers)} do not match {expected}")
    _require(datetime.fromisoformat(headers["ce_time"]).tzinfo is not None, "ce_time without offset")
    _require(bool(envelope.correlation_id), "no ce_correlationid")
    return CheckedRow(event, envelope, headers)


@functools.cache
def _validator(topic: str) -> Draft202012Validator:
    schema = json.loads((find_repo_root() / SCHEMAS_DIR / f"{topic}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=_FORMATS)


def _is_date_time(value: Any) -> bool:
    """RFC 3339 date-time (jsonschema checks it only with an optional package): ISO 8601 with an offset."""
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


_FORMATS = FormatChecker()
_FORMATS.checks("date-time", raises=ValueError)(_is_date_time)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)
