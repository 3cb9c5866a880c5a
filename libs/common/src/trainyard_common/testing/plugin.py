"""Pytest fixtures shared by every test suite in the workspace (loaded by the root conftest), and
the hang watchdog (``watchdog``)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterator

import pytest

from trainyard_common.messaging.topics import all_topics
from trainyard_common.messaging.topics_cli import delete_topics, ensure_topics
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.infrastructure import Endpoints, infrastructure
from trainyard_common.testing.watchdog import pytest_runtest_protocol, pytest_unconfigure

__all__ = ["pytest_runtest_protocol", "pytest_unconfigure"]  # hooks: pytest finds them in this module


@pytest.fixture(scope="session")
def endpoints() -> Iterator[Endpoints]:
    with infrastructure() as found:
        yield found


@pytest.fixture(scope="session")
def topic_prefix() -> str:
    """This run's own namespace on the broker: no test reads another run's history."""
    return f"test-{secrets.token_hex(4)}."


@pytest.fixture(scope="session")
def kafka_bootstrap(endpoints: Endpoints, topic_prefix: str) -> Iterator[str]:
    """The broker, with every declared topic created under this run's prefix (no auto-creation)."""
    specs = all_topics(partitions=3, prefix=topic_prefix)
    asyncio.run(ensure_topics(endpoints.kafka_bootstrap, specs))
    yield endpoints.kafka_bootstrap
    asyncio.run(delete_topics(endpoints.kafka_bootstrap, [s.name for s in specs]))


@pytest.fixture(scope="session")
def pg_url(endpoints: Endpoints) -> str:
    return endpoints.pg_url


@pytest.fixture
def new_database(pg_url: str) -> Iterator[Callable[[str], str]]:
    """``new_database("prefix")`` → URL of an empty database, dropped after the test."""
    created: list[str] = []

    def make(prefix: str) -> str:
        url = create_database(pg_url, prefix)
        created.append(url)
        return url

    yield make
    for url in created:
        drop_database(url)
