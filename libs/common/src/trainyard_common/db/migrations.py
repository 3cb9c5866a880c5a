"""Alembic, driven from code: every service's ``env.py`` and start-up use these two functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from trainyard_common.db.engine import async_url

_MIGRATION_LOCK = 0x7472_6169  # one migrator per database at a time, whichever replica runs it


def upgrade_to_head(database_url: str, migrations_dir: Path) -> None:
    """Apply every migration in ``migrations_dir`` (blocking: run it in a thread from async code)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


def run_migrations(*metadata: MetaData) -> None:
    """The body of a service's ``migrations/env.py`` (online mode only: we always have a database)."""
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass TRAINYARD_DATABASE_URL")
    engine = create_engine(async_url(url), poolclass=NullPool, hide_parameters=True)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        # The session-level lock outlives this commit. Left open, the transaction would make
        # Alembic run every migration inside it, ignoring `transaction_per_migration`, and a
        # migration that needs to run outside a transaction (an autocommit block) would fail.
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=list(metadata), **_options())
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            connection.commit()
    engine.dispose()


def _options() -> dict[str, Any]:
    return {"compare_type": True, "transaction_per_migration": True}
