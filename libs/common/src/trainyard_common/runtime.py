"""Assembles one service: database, broker, outbox relay, offset committer, HTTP app.

Each service's ``bootstrap.py`` builds a ``ServiceRuntime`` from its settings, registers its
subscriptions and routers, and hands the result to ``serve``. Nothing here runs at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI
from sqlalchemy import text

from trainyard_common.contracts.base import Event
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.correlation import CorrelationMiddleware
from trainyard_common.http.errors import install_error_handlers
from trainyard_common.http.health import Check, health_router
from trainyard_common.http.metrics import HttpMetricsMiddleware
from trainyard_common.logs import get_logger
from trainyard_common.messaging.delivery import Delivery, RetryPolicy
from trainyard_common.messaging.offsets import OffsetCommitter
from trainyard_common.messaging.producer import make_producer
from trainyard_common.messaging.relay import OutboxRelay
from trainyard_common.messaging.subscriptions import EventSubscriptions
from trainyard_common.settings import ServiceSettings
from trainyard_common.tracing import configure_tracing, instrument_fastapi

log = get_logger(__name__)

BROKER_RETRY_SECONDS = 2.0


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, name: str, migrations_dir: Path | None) -> None:
        self.settings = settings
        self.name = name
        # Tracing (trainyard_common.tracing): on only when the OTEL_* variables ask for it. Then
        # FastStream's telemetry middleware continues each consumed message's `traceparent`
        # (consumer span, current while the handler and its outbox write run).
        self.tracing = configure_tracing(name)
        broker_middlewares = [KafkaTelemetryMiddleware()] if self.tracing else []
        self.migrations_dir = migrations_dir
        self.engine = make_engine(settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        # Per-message logs at DEBUG: at thousands of events a second INFO would drown the rest.
        self.broker = KafkaBroker(
            settings.kafka_bootstrap,
            client_id=name,
            logger=logging.getLogger("trainyard.broker"),  # not FastStream's own: ours logs JSON
            log_level=logging.DEBUG,
            middlewares=broker_middlewares,
        )
        self.relay = OutboxRelay(
            self.engine,
            lambda: make_producer(settings.kafka_bootstrap, f"{name}-relay"),
            lock_name=name,
            topic_prefix=settings.topic_prefix,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            linger_seconds=settings.outbox_linger_seconds,
        )
        self.committer = OffsetCommitter(settings.offset_commit_interval_seconds)
        self._dead_letter_producer: AIOKafkaProducer | None = None
        self.delivery = Delivery(
            consumer_group=name,
            producer=self._dead_letters,
            committer=self.committer,
            retry=RetryPolicy(
                max_attempts=settings.consumer_max_attempts,
                base_seconds=settings.consumer_retry_base_seconds,
                max_seconds=settings.consumer_retry_max_seconds,
            ),
        )
        self.asyncapi = FastStream(
            self.broker,
            specification=AsyncAPI(title=f"Trainyard {name}", version="1.0.0", description=f"Events {name} consumes."),
        )
        self._broker_ready = asyncio.Event()

    def subscriptions(self, uow_factory: Callable[[], SqlUnitOfWork]) -> EventSubscriptions:
        return EventSubscriptions(
            consumer_group=self.name,
            uow_factory=uow_factory,
            delivery=self.delivery,
            topic_prefix=self.settings.topic_prefix,
        )

    def include(self, subscriptions: EventSubscriptions) -> None:
        self.broker.include_router(subscriptions.router)

    def publishes(self, *events: type[Event]) -> None:
        """Declare the events this service publishes (through its outbox), for its AsyncAPI document."""
        for event in events:
            topic = self.settings.topic_prefix + event.topic()
            self.broker.publisher(topic, schema=event, title=f"{self.name}:{topic}", description=event.__doc__)

    def http_app(self, *routers: APIRouter, title: str, readiness: Mapping[str, Check] | None = None) -> FastAPI:
        """The service's ASGI app; ``/readyz`` checks the database, Kafka and ``readiness``."""
        app = FastAPI(title=title, lifespan=self._lifespan)
        app.add_middleware(CorrelationMiddleware)
        app.add_middleware(HttpMetricsMiddleware)
        install_error_handlers(app)
        checks = {"database": self.check_database, "kafka": self.check_kafka, **(readiness or {})}
        app.include_router(health_router(checks))
        for router in routers:
            app.include_router(router)
        app.add_api_route("/asyncapi.json", self._asyncapi_json, include_in_schema=False)
        if self.tracing:
            instrument_fastapi(app)  # tracing: server spans continuing the caller's `traceparent`
        return app

    async def wait_until_consuming(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self._broker_ready.wait(), timeout)

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        if not self._broker_ready.is_set() or not await self.broker.ping(timeout=1.5):
            raise ConnectionError("Kafka unreachable")

    async def migrate(self) -> None:
        if self.migrations_dir is not None:
            await asyncio.to_thread(upgrade_to_head, self.settings.database_url, self.migrations_dir)

    async def _asyncapi_json(self) -> dict[str, object]:
        schema: dict[str, object] = self.asyncapi.schema.to_specification().to_jsonable()
        return schema

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        if self.settings.migrate_on_start:
            await self.migrate()
        tasks = [
            asyncio.create_task(self._start_broker(), name="broker"),
            asyncio.create_task(self.committer.run(), name="offset-committer"),
        ]
        relay = (
            asyncio.create_task(self.relay.run(), name="outbox-relay") if self.settings.outbox_relay_enabled else None
        )
        try:
            yield
        finally:
            await self._shutdown(tasks, relay)

    async def _start_broker(self) -> None:
        """Keep trying: the HTTP API (and the outbox) must work while Kafka is away."""
        while True:
            try:
                await self.broker.start()
            except Exception as exc:
                log.warning("Kafka not reachable yet", error=repr(exc))
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(BROKER_RETRY_SECONDS)
            else:
                self._broker_ready.set()
                return

    async def _dead_letters(self) -> AIOKafkaProducer:
        if self._dead_letter_producer is None:
            producer = make_producer(self.settings.kafka_bootstrap, f"{self.name}-dlq")
            await producer.start()
            self._dead_letter_producer = producer
        return self._dead_letter_producer

    async def _shutdown(self, tasks: list[asyncio.Task[None]], relay: asyncio.Task[None] | None) -> None:
        """On SIGTERM: take no new message, finish those in flight, commit their offsets, stop
        consuming, then publish what the outbox still holds — all within the grace period."""
        grace = self.settings.shutdown_grace_seconds
        deadline = asyncio.get_running_loop().time() + grace
        for subscriber in self.broker.subscribers:
            subscriber.running = False  # FastStream's consume loops end after their current message
        if not await self.delivery.drain(grace / 2):
            log.warning("messages still in flight at shutdown; they will be redelivered")
        await self.committer.flush()
        await self.broker.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if relay is not None:
            # Not cancelled mid-batch (that would publish the batch again after the restart):
            # asked to stop after its current batch, then the rest of the outbox is published.
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.1)
            await self.relay.stop(relay, remaining)
        if self._dead_letter_producer is not None:
            await self._dead_letter_producer.stop()
        await self.engine.dispose()
