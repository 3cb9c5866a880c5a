"""Looking for personal data in a whole database: every text, varchar, json and jsonb column of
every table, whatever the service (erasure and replay tests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from trainyard_common.db.engine import async_url

_COLUMNS = text(
    "SELECT table_schema, table_name, column_name FROM information_schema.columns "
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
    "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')"
)


def text_containing(database_url: str, values: Iterable[str]) -> list[str]:
    """``schema.table.column holds value`` for every column of the database holding one of
    ``values`` (case-insensitively, anywhere in its text); empty when none does."""
    wanted = [v for v in values if v]
    engine = create_engine(async_url(database_url), poolclass=NullPool)
    hits = []
    try:
        with engine.connect() as conn:
            for schema, table, column in conn.execute(_COLUMNS).all():
                for value in wanted:
                    query = text(f'SELECT 1 FROM "{schema}"."{table}" WHERE "{column}"::text ILIKE :v LIMIT 1')
                    if conn.execute(query, {"v": f"%{value}%"}).first():
                        hits.append(f"{schema}.{table}.{column} holds {value}")
    finally:
        engine.dispose()
    return hits


def found_in_databases(system: Any, values: list[str]) -> list[str]:
    """Every column, of every table of every service's database (``system.processes()``), holding
    one of ``values``: ``package: schema.table.column holds value``."""
    return [
        f"{service.package}: {hit}"
        for service in system.processes()
        for hit in text_containing(service.env["TRAINYARD_DATABASE_URL"], values)
    ]
