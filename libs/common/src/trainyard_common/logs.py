"""JSON logs through structlog, with the standard library's loggers routed into them.

No submitted values in logs (issue 15, V16): a traceback's messages, and any exception passed as a
field (``log.warning("...", error=exc)``), are rendered by ``trainyard_common.error_text`` (no
pydantic ``input_value``, no value a validator quoted). Pass the exception, not ``repr(exc)``.
Fields named in ``PERSONAL_KEYS`` (``email``, names, ...) are hidden (issue 16), whoever logs them.
"""

from __future__ import annotations

import logging
import sys

import structlog
from opentelemetry import trace

from trainyard_common.error_text import HIDDEN, describe_error, format_exception_safely


def _add_trace_id(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """With tracing on, every line names its trace, to jump from a log line to the trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
    return event


def _errors_without_values(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """An exception given as a field is logged as ``describe_error`` words it (no input values)."""
    for key, value in event.items():
        if isinstance(value, BaseException) and key != "exc_info":
            event[key] = describe_error(value)
    return event


PERSONAL_KEYS = frozenset(
    {"email", "email_address", "recipient", "first_name", "last_name", "full_name", "organization", "password"}
)
"""Fields a log line never shows (issue 16): a call passing one (``log.info("...", email=...)``) gets
``HIDDEN`` in its place. Log ids (``customer_id``), never the person."""


def _without_personal_fields(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    for key in PERSONAL_KEYS.intersection(event):
        event[key] = HIDDEN
    return event


def _traceback_without_values(exc_info: structlog.types.ExcInfo) -> str:
    return format_exception_safely(exc_info[1]) if exc_info[1] is not None else ""


_SHARED_PROCESSORS: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    _add_trace_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    _without_personal_fields,
    _errors_without_values,
    structlog.processors.ExceptionRenderer(_traceback_without_values),
]


class _CurrentStdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is when a line is logged, not the one at configuration
    time: a process that swaps it (pytest's capture) still gets every line."""

    @property
    def stream(self) -> object:
        return sys.stdout

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON object per line on stdout; every line names the service."""
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = _CurrentStdout()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
