"""Wires the gateway: runtime (own database, health), service clients, routes, middlewares.

The gateway consumes and publishes no events; it still runs on ``ServiceRuntime`` so /readyz,
migrations and the (idle) outbox relay work like everywhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from gateway.adapters.passwords import Argon2Passwords
from gateway.adapters.services import ServiceClient, Services
from gateway.domain.admins import Role
from gateway.entrypoints.auditing import AuditMiddleware
from gateway.entrypoints.errors import install_gateway_error_handlers
from gateway.entrypoints.http import ROUTERS
from gateway.entrypoints.limits import BodyLimitMiddleware
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.auth import CreateAdmin, ensure_first_admin
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import Settings
from trainyard_common.logs import get_logger
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "gateway"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

log = get_logger(__name__)


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime[GatewayUnitOfWork], FastAPI]:
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(own, name=NAME, migrations_dir=MIGRATIONS, unit_of_work=GatewayUnitOfWork)
    services = make_services(own)
    readiness = {client.name: client.check_alive for client in services.all()}
    app = runtime.assemble(title="Trainyard gateway", routers=ROUTERS, readiness=readiness)
    app.state.services = services
    app.state.passwords = Argon2Passwords()
    runtime.alongside(lambda: _running(runtime, services, app))
    install_gateway_error_handlers(app)
    app.add_middleware(AuditMiddleware, prefix=ADMIN, uow_factory=runtime.unit_of_work)
    app.add_middleware(
        BodyLimitMiddleware, max_json_bytes=own.max_json_body_bytes, max_upload_bytes=own.max_upload_bytes
    )
    return runtime, app


def make_services(settings: Settings) -> Services:
    def client(name: str, url: str) -> ServiceClient:
        return ServiceClient(
            name,
            url,
            timeout_seconds=settings.service_timeout_seconds,
            max_connections=settings.service_max_connections,
        )

    return Services(
        client_directory=client("client-directory", settings.client_directory_url),
        customer_account=client("customer-account", settings.customer_account_url),
        commerce_access=client("commerce-access", settings.commerce_access_url),
        training_progress=client("training-progress", settings.training_progress_url),
    )


@contextlib.asynccontextmanager
async def _running(runtime: ServiceRuntime[GatewayUnitOfWork], services: Services, app: FastAPI) -> AsyncIterator[None]:
    """Once migrated: the first admin exists, and the service clients are open while the gateway runs."""
    await _first_admin(runtime, app)
    async with services.open():
        yield


async def _first_admin(runtime: ServiceRuntime[GatewayUnitOfWork], app: FastAPI) -> None:
    settings = settings_of_kind(runtime.settings, Settings)
    password = settings.admin_password.get_secret_value()
    if not settings.admin_username or not password:
        log.warning("no first admin configured (TRAINYARD_ADMIN_USERNAME / TRAINYARD_ADMIN_PASSWORD)")
        return
    command = CreateAdmin(settings.admin_username, password, Role.ADMIN)
    async with runtime.unit_of_work() as uow:
        created = await ensure_first_admin(uow, command, passwords=app.state.passwords)
    if created:
        log.info("first admin created", username=settings.admin_username)
