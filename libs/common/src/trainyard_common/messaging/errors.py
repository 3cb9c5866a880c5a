"""How the consumer classifies failures: retry for ever, retry a few times, or dead-letter at once."""

from __future__ import annotations

import json

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from trainyard_common.messaging.envelope import EnvelopeError


class TransientError(Exception):
    """Raise from a handler when the message is fine but something it needs is not there yet."""


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble: every message would fail the same way, so none is to blame.

    The consumer waits and retries these without limit (the partition does not advance);
    anything else counts against the message and ends on the dead-letter topic.
    """
    if isinstance(exc, TransientError | OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_malformed(exc: BaseException) -> bool:
    """The message itself cannot be read (payload or headers): no retry will change that."""
    return isinstance(exc, ValidationError | EnvelopeError | json.JSONDecodeError | UnicodeDecodeError)
