"""CloudEvents 1.0 Kafka binary-mode headers around an event payload.

In binary mode the payload is the event's JSON and every CloudEvents attribute travels as a
``ce_``-prefixed header; ``content-type`` carries ``datacontenttype``. Two extension
attributes are ours: ``schemaversion`` (the contract version) and ``correlationid`` (follows
one admin or learner action across services).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "com.trainyard."

Headers = list[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """The headers do not make a valid CloudEvents envelope."""


@dataclass(frozen=True, slots=True)
class Envelope:
    event_type: str
    source: str
    schema_version: int = 1
    correlation_id: str = ""
    subject: str = ""
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ce_type(self) -> str:
        return f"{TYPE_PREFIX}{self.event_type}"

    def to_headers(self) -> Headers:
        pairs = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": self.event_id,
            "ce_type": self.ce_type,
            "ce_source": self.source,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "ce_schemaversion": str(self.schema_version),
            "ce_correlationid": self.correlation_id or self.event_id,
            "content-type": CONTENT_TYPE,
        }
        return [(k, v.encode()) for k, v in pairs.items() if v]

    @classmethod
    def from_headers(cls, headers: Mapping[str, str | bytes] | Iterable[tuple[str, bytes]]) -> Envelope:
        values = _decode(headers)
        missing = [k for k in ("ce_id", "ce_type", "ce_source", "ce_specversion") if k not in values]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if values["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported ce_specversion {values['ce_specversion']!r}")
        try:
            time = datetime.fromisoformat(values["ce_time"]) if "ce_time" in values else None
            schema_version = int(values.get("ce_schemaversion", "1"))
        except ValueError as exc:
            raise EnvelopeError(str(exc)) from exc
        return cls(
            event_type=values["ce_type"].removeprefix(TYPE_PREFIX),
            source=values["ce_source"],
            schema_version=schema_version,
            correlation_id=values.get("ce_correlationid", ""),
            subject=values.get("ce_subject", ""),
            event_id=values["ce_id"],
            time=time or datetime.now(UTC),
        )


def _decode(headers: Mapping[str, str | bytes] | Iterable[tuple[str, bytes]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in items}
