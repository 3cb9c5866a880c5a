"""A consumed event as handlers see it: the payload, and what its emitted events inherit.

Records are read here rather than by FastStream's parser: FastStream decodes every header
before any middleware runs, so one null or non-UTF-8 header value from a foreign producer made
it log and drop the record (and a later offset was then committed past it). Here such a
record is ``Malformed``: it is dead-lettered, never skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiokafka.structs import ConsumerRecord

from trainyard_common.contracts.base import Event
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.outbox import Cause

E = TypeVar("E", bound=Event)

TRACE_HEADERS = ("traceparent", "tracestate")


@dataclass(frozen=True, slots=True)
class Delivered(Generic[E]):
    """One event of a batch, with its CloudEvents id, correlation id and trace context."""

    event: E
    event_id: str
    correlation_id: str
    trace_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def cause(self) -> Cause:
        """Pass to ``uow.emit(..., cause=delivered.cause)``: emitted events keep this event's
        correlation id and continue its trace."""
        return Cause(self.correlation_id, self.trace_headers)


@dataclass(frozen=True, slots=True)
class Malformed:
    """A record that cannot be read; ``error`` says why (it goes into the dead letter's headers)."""

    error: Exception


def read_record(record: ConsumerRecord[Any, Any], event_type: type[E]) -> Delivered[E] | Malformed:
    """The record's envelope and payload, validated against ``event_type``'s contract."""
    try:
        headers = {name: value.decode() for name, value in record.headers}
        envelope = Envelope.from_headers(headers)
        event = event_type.model_validate_json(record.value or b"")
    except Exception as exc:  # any header or payload the contract refuses: the record is to blame
        return Malformed(exc)
    return Delivered(
        event=event,
        event_id=envelope.event_id,
        correlation_id=envelope.correlation_id or envelope.event_id,
        trace_headers={name: headers[name] for name in TRACE_HEADERS if name in headers},
    )
