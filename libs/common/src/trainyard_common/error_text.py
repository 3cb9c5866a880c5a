"""Error texts for logs and dead-letter headers that carry no submitted values (issue 15, V16).

An exception's own text often repeats what was sent: pydantic's ``ValidationError`` lists each
``input_value`` (an e-mail, a name), a validator may quote the value it refuses, PostgreSQL's
``DETAIL`` repeats the row or the key. What is logged or put on a dead letter says *what* failed
(type, field, reason, constraint) and never *with which value*:

* ``describe_error``: one line or a few, for a log field or the ``dlq_error`` header;
* ``format_exception_safely``: a traceback (frames, causes) whose messages are ``describe_error``'s;
* ``reason_without_input``: one pydantic error's reason, with the refused value cut out of it.

Database errors are made safe where they arise (``db.engine`` hides parameters and drops the
server's DETAIL), so their texts pass through here unchanged.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from fastapi.exceptions import ValidationException
from pydantic import ValidationError

HIDDEN = "<value hidden>"
_MAX_ERRORS = 10
_SHORTEST_SCRUBBED = 3  # a refused "a" or "1" is no personal data, and would cut words apart


def reason_without_input(error: Mapping[str, Any]) -> str:
    """A pydantic error's ``msg``, with the input it refused replaced by ``HIDDEN`` should the
    message quote it (a custom validator's ``ValueError(f"{value!r} is not ...")``)."""
    reason = str(error.get("msg", ""))
    value = error.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        if len(text) >= _SHORTEST_SCRUBBED:
            reason = reason.replace(repr(value), HIDDEN).replace(text, HIDDEN)
    return reason


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(root)"


def _described(title: str, errors: list[Any]) -> str:
    lines = [f"{len(errors)} validation error{'s' if len(errors) != 1 else ''} for {title}"]
    lines += [
        f"{_location(e.get('loc', ()))}: {reason_without_input(e)} [type={e.get('type', '')}]"
        for e in errors[:_MAX_ERRORS]
    ]
    if len(errors) > _MAX_ERRORS:
        lines.append(f"... and {len(errors) - _MAX_ERRORS} more")
    return "\n".join(lines)


def describe_error(error: BaseException) -> str:
    """``TypeName: message``, without input values (see the module's docstring)."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(error, ValidationError):
        return f"{name}: {_described(error.title, error.errors(include_url=False))}"
    if isinstance(error, ValidationException):  # FastAPI's request/response validation errors
        return f"{name}: {_described(type(error).__name__, list(error.errors()))}"
    return "".join(traceback.format_exception_only(type(error), error)).strip()


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_exception_safely(error: BaseException) -> str:
    """A traceback like ``traceback.format_exception``'s (frames, causes, contexts), each
    exception's message given by ``describe_error``."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts: list[str] = []
    for exc, link in reversed(chain):
        if exc.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exc.__traceback__))
        parts.append(describe_error(exc) + "\n")
        parts.append(link)
    return "".join(parts).rstrip("\n")
