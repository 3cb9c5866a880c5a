"""client-directory run in-process (its real lifespan: migrations, consumer, relay) on a fresh
database and this run's Kafka topics; events go in through Kafka, figures come out over HTTP."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text

from client_directory.bootstrap import bootstrap
from client_directory.settings import Settings
from trainyard_common.testing.in_process import QUICK_SETTINGS, InProcessService, in_process_service, wait_for
from trainyard_common.testing.sealed_events import known_keys, registered


class Directory(InProcessService):
    async def register(self, email: str, organization: str | None = None) -> uuid.UUID:
        customer_id = uuid.uuid4()
        await self.send(
            registered(customer_id, email, organization=organization)  # version 2, sealed with TEST_KEY
        )
        return customer_id

    async def create_client(self, domains: list[str], aliases: list[str] | None = None, **extra: Any) -> str:
        name = extra.pop("name", f"Client {uuid.uuid4().hex[:8]}")
        body = {"name": name, "industry": "Technology", "email_domains": domains, "aliases": aliases or [], **extra}
        response = await self.http.post("/v1/clients", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def learner(self, customer_id: uuid.UUID) -> dict[str, Any] | None:
        """The learner's row (read directly: a test looks behind the API)."""
        async with self.runtime.engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT * FROM learners WHERE customer_id = :id"), {"id": customer_id})
            ).first()
        return dict(row._mapping) if row else None

    async def wait_learner(
        self, customer_id: uuid.UUID, check: Callable[[dict[str, Any]], bool] = lambda _: True, timeout: float = 30
    ) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        async def ready() -> bool:
            row = await self.learner(customer_id)
            if row is not None and check(row):
                found.append(row)
                return True
            return False

        await wait_for(ready, timeout)
        return found[0]

    async def report(self, **params: Any) -> dict[str, Any]:
        response = await self.http.get("/v1/reports/clients", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
async def directory(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[Directory]:
    def settings(database_url: str) -> Settings:
        return Settings(
            kafka_bootstrap=kafka_bootstrap, database_url=database_url, topic_prefix=topic_prefix, **QUICK_SETTINGS
        )

    async with in_process_service(
        Directory,
        bootstrap=functools.partial(bootstrap, customer_keys=known_keys()),  # no customer-account here
        settings=settings,
        name="client-directory",
        pg_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
    ) as directory:
        yield directory
