"""The customer projection against a real PostgreSQL: migrations, upsert, duplicate events, HTTP."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.pool import NullPool

from training_progress.adapters.tables import customers, metadata
from training_progress.bootstrap import MIGRATIONS, bootstrap
from training_progress.service_layer.customers import RecordCustomer, record_customer
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from training_progress.settings import Settings
from trainyard_common.db.engine import async_url, make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.messaging.tables import messaging_metadata, processed_events
from trainyard_common.testing.databases import create_database, drop_database

pytestmark = pytest.mark.integration

GROUP = "training-progress"


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A throwaway database with the service's migrations; PostgreSQL only, Kafka not needed."""
    server_url = os.environ.get("TRAINYARD_PG_URL") or request.getfixturevalue("pg_url")
    url = create_database(server_url, "test_training_progress")
    upgrade_to_head(url, MIGRATIONS)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
async def session_factory(database_url: str) -> AsyncIterator[async_sessionmaker]:
    engine = make_engine(database_url, pool_size=2)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def uow(session_factory: async_sessionmaker) -> ProgressUnitOfWork:
    return ProgressUnitOfWork(session_factory, source="/trainyard/training-progress")


def registration(customer_id: uuid.UUID, email: str = "Ada@Explorance.com") -> RecordCustomer:
    return RecordCustomer(customer_id, email, "Ada", "Lovelace", datetime(2025, 3, 14, tzinfo=UTC))


def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine = create_engine(async_url(database_url), poolclass=NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [metadata, messaging_metadata])
    engine.dispose()
    assert diff == []


async def test_record_customer_upserts_and_is_repeatable(uow: ProgressUnitOfWork) -> None:
    customer_id = uuid.uuid4()
    for _ in range(2):
        async with uow:
            await record_customer(uow, registration(customer_id))
            await uow.commit()
    async with uow:
        await record_customer(uow, registration(customer_id, email="ada@lovelace.org"))
        await uow.commit()

    async with uow:
        rows = (await uow.session.execute(select(customers).where(customers.c.customer_id == customer_id))).all()
    assert len(rows) == 1
    assert rows[0].email == "ada@lovelace.org"
    assert rows[0].registered_at == datetime(2025, 3, 14, tzinfo=UTC)


async def test_a_redelivered_event_is_claimed_once(uow: ProgressUnitOfWork) -> None:
    customer_id, event_id = uuid.uuid4(), str(uuid.uuid4())
    applied = []
    for _ in range(2):  # what EventSubscriptions does for each delivery
        async with uow:
            if await uow.claim_event(event_id, GROUP):
                applied.append(await record_customer(uow, registration(customer_id)))
                await uow.commit()

    async with uow:
        claims = await uow.session.scalar(
            select(func.count()).select_from(processed_events).where(processed_events.c.event_id == event_id)
        )
        kept = await uow.customers.get(customer_id)
    assert len(applied) == 1
    assert claims == 1
    assert kept == applied[0]


async def test_http_serves_the_projection_and_404s_the_unknown(database_url: str, uow: ProgressUnitOfWork) -> None:
    customer_id = uuid.uuid4()
    async with uow:
        await record_customer(uow, registration(customer_id))
        await uow.commit()
    runtime, app = bootstrap(Settings(database_url=database_url))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://training-progress") as client:
            found = await client.get(f"/v1/customers/{customer_id}")
            missing = await client.get(f"/v1/customers/{uuid.uuid4()}")
    finally:
        await runtime.engine.dispose()

    assert found.status_code == 200
    assert found.json()["email"] == "ada@explorance.com"
    assert found.json()["customer_id"] == str(customer_id)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
