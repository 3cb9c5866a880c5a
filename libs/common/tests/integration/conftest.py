"""The probe service every messaging test runs: its own event type, topic and database."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.probe import ProbeBase, new_probe_type, prepare, settings_for


@pytest.fixture
async def probe(kafka_bootstrap: str, new_database: Callable[[str], str]) -> tuple[type[ProbeBase], ServiceSettings]:
    probe_type = new_probe_type()
    database_url = new_database("probe")
    await prepare(kafka_bootstrap, database_url, probe_type)
    return probe_type, settings_for(kafka_bootstrap, database_url)
