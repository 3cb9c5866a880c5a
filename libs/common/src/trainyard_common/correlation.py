"""The correlation id of the action being handled, carried from HTTP into events and logs."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

import structlog

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


def current_correlation_id() -> str:
    return _correlation_id.get()


def bind_correlation_id(value: str | None) -> str:
    """Make ``value`` (or a new id) the current correlation id, also in every log line."""
    correlation_id = value or str(uuid.uuid4())
    _correlation_id.set(correlation_id)
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    return correlation_id
