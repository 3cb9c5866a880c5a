"""Wires the gateway: runtime (own database, health), service clients, routes, middlewares.

The gateway publishes no events; it consumes those that change a customer's page, to keep the
customer view (``service_layer/customer_views.py``: event notification, then read back).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.adapters.passwords import Argon2Passwords
from gateway.adapters.services import Services
from gateway.adapters.session_checks import SessionChecks
from gateway.console.install import install_console
from gateway.entrypoints import events, startup
from gateway.entrypoints.auditing import AuditMiddleware
from gateway.entrypoints.customer_view_writes import CustomerViewAfterWrites
from gateway.entrypoints.errors import install_gateway_error_handlers
from gateway.entrypoints.http import ROUTERS
from gateway.entrypoints.limits import BodyLimitMiddleware
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.customer_views import CustomerViews, ViewConfig
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import Settings
from trainyard_common.db.engine import make_engine
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "gateway"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime[GatewayUnitOfWork], FastAPI]:
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(own, name=NAME, migrations_dir=MIGRATIONS, unit_of_work=GatewayUnitOfWork)
    services, passwords = Services.of(own), Argon2Passwords(own.password_hash_cost)
    readiness = {client.name: client.check_alive for client in services.all()}
    reader = make_engine(own.database_url, pool_size=own.customer_view_read_connections, autocommit=True)
    runtime.alongside(lambda: _disposed_at_exit(reader))
    views = customer_views(own, runtime, services, reader=reader)
    runtime.every(own.customer_view_retry_seconds, "customer-view-pending", views.retry_pending)
    app = runtime.assemble(
        title="Trainyard gateway",
        handlers=events.handlers(views),
        publishes=events.PUBLISHED,
        routers=ROUTERS,
        readiness=readiness,
    )
    app.state.services, app.state.passwords = services, passwords  # read by entrypoints/deps.py
    app.state.session_checks = SessionChecks(services.customer_account)
    app.state.customer_views = views  # read by entrypoints/customer_views_http.py
    runtime.alongside(lambda: startup.running(own, runtime.unit_of_work, services, passwords))
    install_gateway_error_handlers(app)
    install_console(app)  # the admin console's static files and error pages; /docs served offline
    app.add_middleware(CustomerViewAfterWrites, views=lambda: views)  # the admin sees their write on the page
    app.add_middleware(AuditMiddleware, prefix=ADMIN, uow_factory=runtime.unit_of_work)
    app.add_middleware(
        BodyLimitMiddleware, max_json_bytes=own.max_json_body_bytes, max_upload_bytes=own.max_upload_bytes
    )
    return runtime, app


def customer_views(
    own: Settings, runtime: ServiceRuntime[GatewayUnitOfWork], services: Services, *, reader: AsyncEngine | None = None
) -> CustomerViews:
    """The customer page's read model, on the gateway's own database (``reader``: the page's pool)."""
    config = ViewConfig(
        timeout_seconds=own.section_timeout_seconds,
        concurrency=own.customer_view_concurrency,
        recheck_seconds=own.customer_view_recheck_seconds,
        retry_base_seconds=max(own.customer_view_retry_seconds, 0.5),
        retry_max_seconds=own.customer_view_retry_max_seconds,
        throttle_seconds=own.customer_view_throttle_seconds,
    )
    return CustomerViews(runtime.engine, services, runtime.unit_of_work, config, reader=reader)


@contextlib.asynccontextmanager
async def _disposed_at_exit(engine: AsyncEngine) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await engine.dispose()
