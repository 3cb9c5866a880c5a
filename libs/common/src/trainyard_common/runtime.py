"""Assembles one service: database, broker, outbox relay, offset committer, HTTP app.

Each service's ``bootstrap.py`` builds a ``ServiceRuntime`` from its settings and its unit of
work, and makes one call, ``assemble``, with its event handlers, the events it publishes and
its routers; ``serve`` runs the result. Nothing here runs at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Generic, Protocol, TypeVar, overload

from fastapi import APIRouter, FastAPI
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from trainyard_common.contracts.base import Event
from trainyard_common.db.engine import make_engine, make_session_factory
from trainyard_common.db.migrations import upgrade_to_head
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.http.correlation import CorrelationMiddleware
from trainyard_common.http.errors import install_error_handlers
from trainyard_common.http.health import Check, health_router, metrics_app
from trainyard_common.http.metrics import HttpMetricsMiddleware
from trainyard_common.http.routing import skip_foreign_routers
from trainyard_common.http.service_auth import NO_SERVICE_PATHS, ServiceAuthMiddleware
from trainyard_common.lifespan import service_lifespan
from trainyard_common.messaging.delivery import Delivery, RetryPolicy
from trainyard_common.messaging.offsets import OffsetCommitter
from trainyard_common.messaging.producer import LazyProducer, make_producer
from trainyard_common.messaging.pruning import PRUNE_INTERVAL_SECONDS, prune_processed_events
from trainyard_common.messaging.relay import OutboxRelay
from trainyard_common.messaging.subscriptions import DuplicateHandler, EventSubscriptions
from trainyard_common.periodic import PeriodicJob
from trainyard_common.settings import ServiceSettings
from trainyard_common.tracing import configure_tracing, instrument_fastapi

U = TypeVar("U", bound=SqlUnitOfWork)
U_co = TypeVar("U_co", bound=SqlUnitOfWork, covariant=True)


class UnitOfWorkType(Protocol[U_co]):
    """A service's unit-of-work class (``SqlUnitOfWork``'s constructor)."""

    def __call__(
        self, session_factory: async_sessionmaker[AsyncSession], *, source: str, after_commit: Callable[[], None]
    ) -> U_co: ...


Alongside = Callable[[], contextlib.AbstractAsyncContextManager[object]]
"""A service's own background work: entered once the runtime runs (migrated, consuming),
left before it stops."""


class ServiceRuntime(Generic[U]):
    @overload
    def __init__(
        self: ServiceRuntime[SqlUnitOfWork],
        settings: ServiceSettings,
        *,
        name: str,
        migrations_dir: Path | None,
        service: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        name: str,
        migrations_dir: Path | None,
        service: str | None = None,
        unit_of_work: UnitOfWorkType[U],
    ) -> None: ...

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        name: str,
        migrations_dir: Path | None,
        service: str | None = None,
        unit_of_work: UnitOfWorkType[U] | None = None,
    ) -> None:
        """``name`` is the consumer group; it differs from ``service`` (the events' source) only
        in tests and benchmarks, which run several copies of a service side by side."""
        self.settings = settings
        self.name = name
        self.service = service or name
        # Without a class of its own, U is SqlUnitOfWork (the first overload).
        self._unit_of_work_type: UnitOfWorkType[U] = unit_of_work or SqlUnitOfWork  # type: ignore[assignment]
        self._after_commit: list[Callable[[], None]] = []
        self._alongside: list[Alongside] = []
        # Tracing (trainyard_common.tracing): on only when the OTEL_* variables ask for it. Then
        # each consumed event is handled in a span continuing its `traceparent` (subscriptions).
        self.tracing = configure_tracing(name)
        self.migrations_dir = migrations_dir
        # The /v1 paths another service may call on its own (service_auth: ``Caller.service``); none
        # unless the service's bootstrap opens some before ``assemble``.
        self.service_paths: re.Pattern[str] = NO_SERVICE_PATHS
        self.engine = make_engine(settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        # Reads (lists, details) need no transaction: each statement is one round trip, no BEGIN
        # and ROLLBACK around it (autocommit is a client-side setting: no statement to switch it).
        self.reading_session_factory = make_session_factory(self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        # Per-message logs at DEBUG: at thousands of events a second INFO would drown the rest.
        self.broker = KafkaBroker(
            settings.kafka_bootstrap,
            client_id=name,
            logger=logging.getLogger("trainyard.broker"),  # not FastStream's own: ours logs JSON
            log_level=logging.DEBUG,
            # Topics are declared once (messaging/topics.py, `trainyard-topics ensure`, Strimzi);
            # FastStream would otherwise create a missing one, with the broker's defaults.
            allow_auto_create_topics=False,
            # FastStream's stop would wait up to 15 s more for handlers still running; ours has
            # already waited for them (lifespan's drain, half the grace period) and gives what
            # still runs up to redelivery, so the whole stop keeps within the grace period.
            graceful_timeout=None,
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
        self.dead_letter_producer = LazyProducer(lambda: make_producer(settings.kafka_bootstrap, f"{name}-dlq"))
        self.delivery = Delivery(
            consumer_group=name,
            producer=self.dead_letter_producer.get,
            committer=self.committer,
            retry=RetryPolicy(
                max_attempts=settings.consumer_max_attempts,
                base_seconds=settings.consumer_retry_base_seconds,
                max_seconds=settings.consumer_retry_max_seconds,
            ),
        )
        self.asyncapi = FastStream(
            self.broker,
            specification=AsyncAPI(
                title=f"Trainyard {name}", version="1.0.0", description=f"Events {name} consumes and publishes."
            ),
        )
        self.broker_ready = asyncio.Event()
        self.periodic_jobs: list[PeriodicJob] = []
        self._topics_handled: set[str] = set()
        keep = timedelta(days=settings.processed_events_keep_days)
        self.every(PRUNE_INTERVAL_SECONDS, "prune-processed-events", lambda: prune_processed_events(self.engine, keep))

    def unit_of_work(self) -> U:
        """A fresh unit of work; its commit wakes the relay (and whatever ``after_commit`` added)."""
        return self._unit_of_work_type(
            self.session_factory, source=f"/trainyard/{self.service}", after_commit=self._committed
        )

    def reading_unit_of_work(self) -> U:
        """A fresh unit of work for routes that only read: autocommit, and no commit."""
        uow = self._unit_of_work_type(
            self.reading_session_factory, source=f"/trainyard/{self.service}", after_commit=self._committed
        )
        uow.reading = True
        return uow

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after each commit that wrote events or outbox rows (besides the relay)."""
        self._after_commit.append(hook)

    def alongside(self, work: Alongside) -> None:
        """Run ``work`` (an async context manager factory) while the service runs."""
        self._alongside.append(work)

    def assemble(
        self,
        *,
        title: str,
        handlers: Callable[[EventSubscriptions], None] | None = None,
        publishes: Sequence[type[Event]] = (),
        routers: Sequence[APIRouter] = (),
        readiness: Mapping[str, Check] | None = None,
    ) -> FastAPI:
        """The one wiring call: consume what ``handlers`` register, declare ``publishes`` for the
        AsyncAPI document, serve ``routers``. Routes reach the unit of work and the settings
        through ``trainyard_common.http.deps``."""
        self.publishes(*publishes)
        if handlers is not None:
            subscriptions = self.subscriptions(self.unit_of_work)
            handlers(subscriptions)
            self.include(subscriptions)
        app = self.http_app(*routers, title=title, readiness=readiness)
        app.state.unit_of_work = self.unit_of_work
        app.state.reading_unit_of_work = self.reading_unit_of_work
        app.state.settings = self.settings
        return app

    def _committed(self) -> None:
        self.relay.nudge()
        for hook in self._after_commit:
            hook()

    def subscriptions(self, uow_factory: Callable[[], SqlUnitOfWork]) -> EventSubscriptions:
        return EventSubscriptions(
            consumer_group=self.name,
            uow_factory=uow_factory,
            delivery=self.delivery,
            topic_prefix=self.settings.topic_prefix,
            batch_size=self.settings.consumer_batch_size,
            rebalance_wait_seconds=self.settings.shutdown_grace_seconds / 2,
        )

    def include(self, subscriptions: EventSubscriptions) -> None:
        """Consume what ``subscriptions`` handle; a topic handled twice in one service is refused."""
        twice = self._topics_handled & subscriptions.topics
        if twice:
            raise DuplicateHandler(f"{self.name} handles {', '.join(sorted(twice))} twice")
        self._topics_handled |= subscriptions.topics
        self.broker.include_router(subscriptions.router)

    def every(self, seconds: float, name: str, run: Callable[[], Awaitable[object]]) -> None:
        """Run ``run`` every ``seconds`` while the service is up (see ``trainyard_common.periodic``)."""
        self.periodic_jobs.append(PeriodicJob(name, seconds, run))

    def publishes(self, *events: type[Event]) -> None:
        """Declare the events this service publishes (through its outbox), for its AsyncAPI document."""
        for event in events:
            topic = self.settings.topic_prefix + event.topic()
            self.broker.publisher(topic, schema=event, title=f"{self.name}:{topic}", description=event.__doc__)

    def http_app(self, *routers: APIRouter, title: str, readiness: Mapping[str, Check] | None = None) -> FastAPI:
        """The service's ASGI app; ``/readyz`` checks the database, Kafka and ``readiness``."""
        # No ORJSONResponse default: FastAPI (0.165) deprecates it, and a route with a response model
        # is already serialised straight to JSON bytes by pydantic-core — a custom default class
        # would turn that fast path off (issue 18, item 5).
        app = FastAPI(title=title, lifespan=lambda _: self._lifespan())
        # Outermost last: metrics, the correlation id, then the gateway's service token on every
        # /v1 route (trainyard_common.http.service_auth). The client's address is settled before
        # the app, by the server (cli.py: trusted proxies only).
        app.add_middleware(ServiceAuthMiddleware, keys=self.settings.service_keys, service_paths=self.service_paths)
        app.add_middleware(CorrelationMiddleware)
        app.add_middleware(HttpMetricsMiddleware)
        install_error_handlers(app)
        checks = {"database": self.check_database, "kafka": self.check_kafka, **(readiness or {})}
        app.include_router(health_router(checks))
        for router in routers:
            app.include_router(router)
        skip_foreign_routers(app)  # a request is matched only against the routers it can be for
        app.add_api_route("/asyncapi.json", self._asyncapi_json, include_in_schema=False)
        if self.tracing:
            instrument_fastapi(app)  # tracing: server spans continuing the caller's `traceparent`
        return app

    def metrics_app(self) -> FastAPI:
        """What the metrics port serves: ``/metrics`` only (``cli.py`` runs it beside the API)."""
        return metrics_app()

    @contextlib.asynccontextmanager
    async def _lifespan(self) -> AsyncIterator[None]:
        async with service_lifespan(self), contextlib.AsyncExitStack() as alongside:
            for work in self._alongside:
                await alongside.enter_async_context(work())
            yield

    async def wait_until_consuming(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self.broker_ready.wait(), timeout)

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        if not self.broker_ready.is_set() or not await self.broker.ping(timeout=1.5):
            raise ConnectionError("Kafka unreachable")

    async def migrate(self) -> None:
        if self.migrations_dir is not None:
            await asyncio.to_thread(upgrade_to_head, self.settings.database_url, self.migrations_dir)

    async def _asyncapi_json(self) -> dict[str, object]:
        schema: dict[str, object] = self.asyncapi.schema.to_specification().to_jsonable()
        return schema
