"""The shared customer projection over a real broker and database: kept from the sealed
UserRegistered.v2 and CustomerProfileUpdated.v2 (unsealed with the customers' keys), once per event
and in their order within a batch, readable over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from trainyard_common.contracts import CustomerProfileUpdatedV2, UserRegisteredV2
from trainyard_common.contracts.base import Event
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.service_auth import DEVELOPMENT_KEY
from trainyard_common.messaging.dead_letters import dlq_topic
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.privacy.consumers import CustomerKeySource
from trainyard_common.projections import customers as projection
from trainyard_common.projections.customers import customer_projection_metadata, customers
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.kafka import produce, produce_together, read_topic
from trainyard_common.testing.probe import wait_for
from trainyard_common.testing.sealed_events import known_keys, profile_updated, registered
from trainyard_common.testing.service_auth import GatewayStandIn
from trainyard_common.vocabulary import ErasureKind, ProfileField

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def running_projection(
    kafka_bootstrap: str, topic_prefix: str, database_url: str, keys: CustomerKeySource | None = None
) -> AsyncIterator[tuple[ServiceRuntime[SqlUnitOfWork], FastAPI]]:
    """A service keeping nothing but the projection, consuming and serving until the block ends."""
    settings = ServiceSettings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        offset_commit_interval_seconds=0.2,
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.05,
        consumer_retry_max_seconds=0.2,
    )
    runtime = ServiceRuntime(settings, name=f"projection-{uuid.uuid4().hex[:8]}", migrations_dir=None)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(customer_projection_metadata.create_all)
    sealed = projection.SealedCustomerEvents(keys or known_keys())
    app = runtime.assemble(
        title="projection", handlers=lambda s: keep_projection(s, sealed), routers=[projection.router]
    )
    async with app.router.lifespan_context(app):
        await runtime.wait_until_consuming()
        yield runtime, app


def keep_projection(subscriptions: EventSubscriptions, sealed: projection.SealedCustomerEvents) -> None:
    """What a service keeping the projection registers in its ``events.py``."""
    subscriptions.batch_handler(UserRegisteredV2)(sealed.on_users_registered)
    subscriptions.batch_handler(CustomerProfileUpdatedV2)(sealed.on_customer_profiles_updated)


def registration(customer_id: uuid.UUID, first_name: str = "Ada") -> UserRegisteredV2:
    return registered(customer_id, f"Ada.{customer_id.hex[:6]}@Example.org", first_name=first_name)


async def test_registrations_are_kept_once_and_served(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    customer_id = uuid.uuid4()
    event = registration(customer_id)
    headers = Envelope(event_type="UserRegistered", source="/tests").to_headers()
    async with running_projection(kafka_bootstrap, topic_prefix, new_database("projection")) as (runtime, app):
        for _ in range(2):  # the same event twice
            await produce(
                kafka_bootstrap,
                topic_prefix + event.topic(),
                event.model_dump_json().encode(),
                key=customer_id.bytes,
                headers=headers,
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", auth=GatewayStandIn(DEVELOPMENT_KEY)
        ) as client:
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


def profile_update(customer_id: uuid.UUID, email: str, first_name: str) -> CustomerProfileUpdatedV2:
    return profile_updated(
        customer_id,
        email,
        first_name=first_name,
        last_name="Byron",
        changed_fields=[ProfileField.EMAIL, ProfileField.FIRST_NAME],
    )


async def send_together(kafka_bootstrap: str, topic_prefix: str, *events: Event) -> None:
    """In one record batch per partition: the projection gets each customer's events in one batch."""
    records = [
        (
            e.aggregate_id().encode(),
            e.model_dump_json().encode(),
            Envelope(event_type=e.event_type, source="/tests").to_headers(),
        )
        for e in events
    ]
    await produce_together(kafka_bootstrap, topic_prefix + events[0].topic(), records)


async def test_several_events_of_one_customer_in_one_batch_end_as_applied_in_order(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    known, twice, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with running_projection(kafka_bootstrap, topic_prefix, new_database("projection")) as (runtime, _):

        async def row(customer_id: uuid.UUID) -> dict[str, Any] | None:
            async with runtime.engine.connect() as conn:
                found = (await conn.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
            return found._asdict() if found else None

        await send_together(kafka_bootstrap, topic_prefix, registration(known), registration(twice, "First"))
        await wait_for(lambda: _exists(row, known))
        await send_together(kafka_bootstrap, topic_prefix, registration(twice, "Second"), registration(twice, "Third"))
        await send_together(
            kafka_bootstrap,
            topic_prefix,
            profile_update(known, "One@Example.org", "One"),
            profile_update(unknown, "ghost@example.org", "Ghost"),
            profile_update(known, "Two@Example.org", "Two"),
            profile_update(known, "Three@Example.ORG", "Three"),
        )
        await wait_for(lambda: _has(row, known, first_name="Three"))
        await wait_for(lambda: _has(row, twice, first_name="Third"))
        assert await row(unknown) is None, "a profile change does not create a customer"
        assert (await row(known) or {})["email"] == "three@example.org"
        assert (await row(known) or {})["last_name"] == "Byron"


async def _exists(row: Callable[[uuid.UUID], Any], customer_id: uuid.UUID) -> bool:
    return await row(customer_id) is not None


async def _has(row: Callable[[uuid.UUID], Any], customer_id: uuid.UUID, **values: Any) -> bool:
    found = await row(customer_id)
    return found is not None and all(found[k] == v for k, v in values.items())


async def test_a_forgotten_customer_is_not_written_back_by_a_replayed_registration_or_profile_change(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    erased, deleted, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with running_projection(kafka_bootstrap, topic_prefix, new_database("projection")) as (runtime, _):

        async def row(customer_id: uuid.UUID) -> dict[str, Any] | None:
            async with runtime.engine.connect() as conn:
                found = (await conn.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
            return found._asdict() if found else None

        await send_together(kafka_bootstrap, topic_prefix, registration(erased), registration(deleted))
        await wait_for(lambda: _exists(row, deleted))
        async with runtime.engine.begin() as conn:  # what the services' erasure handlers do
            session = AsyncSession(bind=conn)
            await projection.CustomerProjection(session).forget(erased)
            await projection.CustomerProjection(session).forget(deleted, ErasureKind.DELETED)
            await projection.CustomerProjection(session).forget(deleted)  # again: the first one stays
            await session.flush()
        # The whole history again (a replay), with a new customer in the same batches as a marker.
        await send_together(
            kafka_bootstrap, topic_prefix, registration(erased), registration(deleted), registration(other)
        )
        # Registrations and profile changes are two topics, consumed independently: the marker's
        # profile change sent before its registration is kept could be read first and dropped.
        await wait_for(lambda: _exists(row, other))
        await send_together(
            kafka_bootstrap,
            topic_prefix,
            profile_update(erased, "back@example.org", "Back"),
            profile_update(other, "other@example.org", "Other"),
        )
        await wait_for(lambda: _has(row, other, first_name="Other"))
        assert await row(erased) is None
        assert await row(deleted) is None
        async with runtime.engine.connect() as conn:
            tombstones = {r.customer_id: r.kind for r in await conn.execute(select(projection.erased_customers))}
    assert tombstones == {erased: "erased", deleted: "deleted"}


# Issue 16: the personal fields come sealed; the customers' keys are looked up once per batch.


async def _row_of(runtime: ServiceRuntime[SqlUnitOfWork], customer_id: uuid.UUID) -> dict[str, Any] | None:
    async with runtime.engine.connect() as conn:
        found = (await conn.execute(select(customers).where(customers.c.customer_id == customer_id))).first()
    return found._asdict() if found else None


async def _no_dead_letters(kafka_bootstrap: str, topic_prefix: str) -> bool:
    dead = dlq_topic(topic_prefix + UserRegisteredV2.topic())
    return await read_topic(kafka_bootstrap, dead, until=lambda r: True, timeout=2) == []


async def test_an_erased_customers_sealed_registration_is_skipped_not_dead_lettered(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    erased, kept = uuid.uuid4(), uuid.uuid4()
    keys = known_keys(destroyed=[erased])
    async with running_projection(kafka_bootstrap, topic_prefix, new_database("projection"), keys) as (runtime, _):
        await send_together(kafka_bootstrap, topic_prefix, registration(erased), registration(kept))
        await wait_for(lambda: _exists(lambda c: _row_of(runtime, c), kept))
        assert await _row_of(runtime, erased) is None, "no key: nothing personal is kept"
    assert await _no_dead_letters(kafka_bootstrap, topic_prefix)


async def test_while_customer_account_is_away_the_batch_is_retried_not_dead_lettered(
    kafka_bootstrap: str, topic_prefix: str, new_database: Callable[[str], str]
) -> None:
    customer_id = uuid.uuid4()
    keys = known_keys()
    keys.unavailable = True  # KeysUnavailable: what RemoteCustomerKeys raises on an outage
    async with running_projection(kafka_bootstrap, topic_prefix, new_database("projection"), keys) as (runtime, _):
        await send_together(kafka_bootstrap, topic_prefix, registration(customer_id))

        async def retried_past_the_message_policy() -> bool:
            return keys.lookups > 2 * runtime.settings.consumer_max_attempts

        await wait_for(retried_past_the_message_policy)
        assert await _row_of(runtime, customer_id) is None
        assert await _no_dead_letters(kafka_bootstrap, topic_prefix), "an outage is nobody's poison"
        keys.unavailable = False  # customer-account is back
        await wait_for(lambda: _exists(lambda c: _row_of(runtime, c), customer_id))
    assert await _no_dead_letters(kafka_bootstrap, topic_prefix)


async def test_the_sealed_handlers_keep_customers_in_clear_without_kafka(
    new_database: Callable[[str], str],
) -> None:
    """The use case alone (an in-memory key source, a throwaway database): one key lookup per batch,
    the e-mail and names unsealed, an erased customer's registration and change skipped."""
    engine = make_engine(new_database("projection_uc"), pool_size=1)
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(customer_projection_metadata.create_all)
    sessions = make_session_factory(engine)
    ada, gone = uuid.uuid4(), uuid.uuid4()
    keys = known_keys(destroyed=[gone])
    handlers = projection.SealedCustomerEvents(keys)

    async def handle(work: Callable[[SqlUnitOfWork], Any]) -> None:
        async with SqlUnitOfWork(sessions, source="/tests", after_commit=lambda: None) as uow:
            await work(uow)
            await uow.commit()

    def delivered(*events: Event) -> list[Any]:
        return [Delivered(event=e, event_id=str(uuid.uuid4()), correlation_id="t") for e in events]

    try:
        registrations = delivered(registration(ada), registration(gone))
        await handle(lambda uow: handlers.on_users_registered(registrations, uow))
        assert keys.lookups == 1
        changes = delivered(profile_update(ada, "Ada.New@Example.org", "Augusta"), profile_update(gone, "x@y.org", "X"))
        await handle(lambda uow: handlers.on_customer_profiles_updated(changes, uow))
        async with sessions() as session:
            kept = await projection.CustomerProjection(session).get(ada)
            lost = await projection.CustomerProjection(session).get(gone)
    finally:
        await engine.dispose()
    assert kept is not None
    assert (kept.email, kept.first_name, kept.last_name) == ("ada.new@example.org", "Augusta", "Byron")
    assert lost is None
