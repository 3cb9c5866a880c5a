"""Calling a service's use cases directly: its unit of work on a throwaway, migrated database.

No broker and no HTTP: a service-layer test gets ``units_of_work`` (a factory), calls the use
case, and reads the result from the repositories or from the outbox the use case wrote
(``emitted``). What only a real broker proves (offsets, dead letters, ordering) stays in the
integration tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import text

from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.envelope import TYPE_PREFIX
from trainyard_common.runtime import U, UnitOfWorkType
from trainyard_common.testing.databases import create_database, drop_database


@contextlib.asynccontextmanager
async def units_of_work(
    database_url: str, unit_of_work: UnitOfWorkType[U], migrations_dir: Path
) -> AsyncIterator[Callable[[], U]]:
    """A factory of ``unit_of_work`` on ``database_url``, migrated to head first."""
    await asyncio.to_thread(upgrade_to_head, database_url, migrations_dir)
    engine = make_engine(database_url)
    session_factory = make_session_factory(engine)
    try:
        yield lambda: unit_of_work(session_factory, source="/trainyard/tests", after_commit=lambda: None)
    finally:
        await engine.dispose()


@contextlib.contextmanager
def database_filled_once(
    server_url: str, prefix: str, migrations_dir: Path, fill: str, *analyzed: str
) -> Iterator[str]:
    """A migrated database filled by ``fill`` (statements ending in ";" + newline), ``analyzed``
    tables then ``VACUUM ANALYZE``d as autovacuum would have by then; dropped afterwards. For a
    module's read-only tests on big data (the query plans of the admin lists): filling 100,000+
    rows for each test cost ~10 s of a loaded CI machine per test."""
    url = create_database(server_url, prefix)
    try:
        upgrade_to_head(url, migrations_dir)
        with psycopg.connect(url, autocommit=True) as connection:
            with connection.transaction():
                for statement in filter(str.strip, fill.split(";\n")):
                    connection.execute(statement.encode())  # bytes: no placeholders to parse
            for table in analyzed:
                connection.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
        yield url
    finally:
        drop_database(url)


async def emitted(uow: SqlUnitOfWork, event_type: str | None = None) -> list[dict[str, Any]]:
    """The payloads of the events committed to the outbox (of ``event_type``, if given), oldest first.

    ``event_type`` is matched with the topic too: ``UserRegistered`` is version 1 only, ``UserRegistered.v2``
    version 2 (both versions share the CloudEvents type)."""
    async with uow:
        rows = await uow.session.execute(text("SELECT topic, payload, headers FROM outbox ORDER BY id"))
        found = [(r.topic, json.loads(r.payload), dict(r.headers)) for r in rows]
    if event_type is None:
        return [payload for _, payload, _ in found]
    name, _, version = event_type.partition(".")
    return [
        payload
        for topic, payload, headers in found
        if headers.get("ce_type") == TYPE_PREFIX + name and topic == (event_type if version else name)
    ]
