"""How the consumer classifies failures: retry for ever, retry a few times, or dead-letter at once."""

from __future__ import annotations

import json

import psycopg
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from trainyard_common.messaging.envelope import EnvelopeError

TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53"})
"""Connection exceptions, transaction rollbacks (serialisation failure, deadlock), insufficient
resources: the server or the moment is to blame, the same statement succeeds later."""
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
"""Admin shutdown, crash shutdown, cannot connect now. The rest of class 57 — a statement timeout
(57014, query_canceled) above all — comes back every time for the same message."""


class TransientError(Exception):
    """Raise from a handler when the message is fine but something it needs is not there yet."""


class UnreadableMessage(Exception):
    """Raise from a handler when the message can never be read (say, sealed with a key that does
    not exist): retrying only holds the partition up, so it is dead-lettered at once."""


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble: every message would fail the same way, so none is to blame.

    The consumer waits and retries these without limit (the partition does not advance);
    anything else counts against the message and ends on the dead-letter topic. Database errors
    are told apart by SQLSTATE: an ``OperationalError`` can as well be a statement timeout or
    an index row too large, which would block the topic for ever if retried without limit.
    """
    if isinstance(exc, TransientError | ConnectionError | TimeoutError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES or sqlstate in TRANSIENT_SQLSTATES
    # No SQLSTATE: the driver never reached a server (refused, reset, closed) — infrastructure.
    return isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError | psycopg.InterfaceError)


def is_malformed(exc: BaseException) -> bool:
    """The message itself cannot be read (payload or headers): no retry will change that."""
    return isinstance(
        exc, ValidationError | EnvelopeError | json.JSONDecodeError | UnicodeDecodeError | UnreadableMessage
    )
