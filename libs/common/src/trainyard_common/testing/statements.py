"""Counting the SQL a piece of code sends: for tests that pin a path's round trips."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

ALONE = "alone: "
"""The prefix of a statement sent on the driver in autocommit (``db.round_trip``): a transaction
of its own, with no BEGIN or COMMIT round trip."""


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements executed meanwhile: through SQLAlchemy (where BEGIN and COMMIT are not
    statements of a cursor), and straight on the driver (``db.driver``, ``db.round_trip``),
    prefixed ``ALONE`` when sent in autocommit."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    on_the_driver = psycopg.AsyncConnection.execute

    async def recorded(connection: psycopg.AsyncConnection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((ALONE if connection.autocommit else "") + str(query))
        return await on_the_driver(connection, query, *args, **kwargs)

    event.listen(Engine, "before_cursor_execute", record)
    psycopg.AsyncConnection.execute = recorded  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        psycopg.AsyncConnection.execute = on_the_driver  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", record)
