"""Every service's migrations build exactly the tables its code declares (no drift either way)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from trainyard_common.db.engine import async_url
from trainyard_common.db.migrations import upgrade_to_head

pytestmark = pytest.mark.integration

PACKAGES = ["client_directory", "customer_account", "commerce_access", "training_progress", "gateway"]


@pytest.mark.parametrize("package", PACKAGES)
def test_migrations_match_the_declared_tables(package: str, new_database: Callable[[str], str]) -> None:
    bootstrap = importlib.import_module(f"{package}.bootstrap")
    tables = importlib.import_module(f"{package}.adapters.tables")
    url = new_database(f"migrations_{package}")
    upgrade_to_head(url, bootstrap.MIGRATIONS)
    upgrade_to_head(url, bootstrap.MIGRATIONS)  # re-running is harmless

    engine = create_engine(async_url(url), poolclass=NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), list(tables.ALL_METADATA))
    engine.dispose()
    assert diff == []
