"""Counting the SQL a piece of code sends: for tests that pin a path's round trips."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

PIPELINED = "pipeline: "
"""The prefix of a statement sent in a pipeline (``db.round_trip``): all of them travel together."""


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements executed meanwhile: through SQLAlchemy (where BEGIN and COMMIT are not
    statements of a cursor), and straight on the driver (``db.round_trip``, its BEGIN and COMMIT
    included), prefixed ``PIPELINED`` when sent in a pipeline."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    on_the_driver = psycopg.AsyncConnection.execute

    async def recorded(connection: psycopg.AsyncConnection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((PIPELINED if connection._pipeline else "") + str(query))
        return await on_the_driver(connection, query, *args, **kwargs)

    event.listen(Engine, "before_cursor_execute", record)
    psycopg.AsyncConnection.execute = recorded  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        psycopg.AsyncConnection.execute = on_the_driver  # type: ignore[method-assign]
        event.remove(Engine, "before_cursor_execute", record)
