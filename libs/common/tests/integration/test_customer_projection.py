"""The shared customer projection over a real broker and database: kept from UserRegistered,
once per event, readable over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from trainyard_common.contracts import RegistrationSource, UserRegistered
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.projections.customers import (
    customer_projection_metadata,
    customer_projection_router,
    customers,
    keep_customer_projection,
)
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.kafka import produce

pytestmark = pytest.mark.integration


async def test_registrations_are_kept_once_and_served(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    database_url = new_database("projection")
    settings = ServiceSettings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        offset_commit_interval_seconds=0.2,
    )
    runtime = ServiceRuntime(settings, name=f"projection-{uuid.uuid4().hex[:8]}", migrations_dir=None)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(customer_projection_metadata.create_all)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(runtime.session_factory, source="/tests")

    subscriptions = runtime.subscriptions(uow)
    keep_customer_projection(subscriptions)
    runtime.include(subscriptions)
    app = runtime.http_app(customer_projection_router(uow), title="projection")

    customer_id = uuid.uuid4()
    event = UserRegistered(
        customer_id=customer_id,
        email=f"Ada.{customer_id.hex[:6]}@Example.org",
        first_name="Ada",
        last_name="Lovelace",
        source=RegistrationSource.SELF_REGISTRATION,
        registered_at=datetime.now(UTC),
    )
    headers = Envelope(event_type="UserRegistered", source="/tests").to_headers()
    async with app.router.lifespan_context(app):
        await runtime.wait_until_consuming()
        for _ in range(2):  # the same event twice
            await produce(
                kafka_bootstrap,
                topic_prefix + event.topic(),
                event.model_dump_json().encode(),
                key=customer_id.bytes,
                headers=headers,
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            for _ in range(300):
                found = await client.get(f"/v1/customers/{customer_id}")
                if found.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            missing = await client.get(f"/v1/customers/{uuid.uuid4()}")
        async with runtime.engine.connect() as conn:
            rows = await conn.scalar(
                select(func.count()).select_from(customers).where(customers.c.customer_id == customer_id)
            )

    assert found.status_code == 200
    assert found.json()["email"] == f"ada.{customer_id.hex[:6]}@example.org"
    assert rows == 1
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
