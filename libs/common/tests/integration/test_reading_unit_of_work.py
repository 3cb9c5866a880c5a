"""Routes that only read get a unit of work in autocommit: no BEGIN and ROLLBACK round trips
around their SELECTs, and no way to commit (a write route that took it by mistake fails loudly)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

pytestmark = pytest.mark.integration


async def test_a_reading_unit_of_work_reads_in_autocommit_and_cannot_commit(
    kafka_bootstrap: str, new_database: Callable[[str], str]
) -> None:
    settings = ServiceSettings(kafka_bootstrap=kafka_bootstrap, database_url=new_database("reading"))
    runtime: ServiceRuntime = ServiceRuntime(settings, name="reading", migrations_dir=None)
    try:
        async with runtime.reading_unit_of_work() as reading:
            assert await reading.session.scalar(text("SELECT 1")) == 1
            driver = (await (await reading.session.connection()).get_raw_connection()).driver_connection
            assert driver is not None
            assert driver.autocommit, "no transaction is opened around a read"
            with pytest.raises(RuntimeError, match="does not commit"):
                await reading.commit()
        async with runtime.unit_of_work() as writing:
            await writing.session.execute(text("SELECT 1"))
            driver = (await (await writing.session.connection()).get_raw_connection()).driver_connection
            assert driver is not None
            assert not driver.autocommit, "the pool's connections go back to transactions"
    finally:
        await runtime.engine.dispose()
