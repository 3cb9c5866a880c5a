"""Wires the gateway: runtime (own database, health), admins, service clients, HTTP routes.

The gateway consumes no events yet, so it registers no subscriptions; it still runs on
``ServiceRuntime`` so /readyz, migrations and the (idle) outbox relay work like everywhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI

from gateway.adapters.passwords import Argon2Passwords
from gateway.adapters.services import ServiceClient, Services
from gateway.domain.admins import Role
from gateway.entrypoints.auditing import AuditMiddleware
from gateway.entrypoints.errors import install_gateway_error_handlers
from gateway.entrypoints.http import Wiring, build_routers
from gateway.entrypoints.limits import BodyLimitMiddleware
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.auth import CreateAdmin, SignInThrottle, ensure_first_admin
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import Settings
from trainyard_common.logs import get_logger
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "gateway"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

log = get_logger(__name__)


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime, FastAPI]:
    if not isinstance(settings, Settings):
        raise TypeError("the gateway needs gateway.settings.Settings")
    runtime = ServiceRuntime(settings, name=NAME, migrations_dir=MIGRATIONS)

    def uow_factory() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge)

    services = make_services(settings)
    throttle = SignInThrottle(
        window_seconds=settings.sign_in_window_seconds,
        max_failures_per_username=settings.sign_in_max_failures_per_username,
        max_failures_per_ip=settings.sign_in_max_failures_per_ip,
    )
    wiring = Wiring(
        uow_factory,
        services,
        Argon2Passwords(),
        settings.token_ttl_seconds,
        throttle,
        section_timeout_seconds=settings.section_timeout_seconds,
    )
    lifespan = APIRouter(lifespan=_lifespan(settings, wiring))
    readiness = {client.name: client.check_alive for client in services.all()}
    app = runtime.http_app(*build_routers(wiring), lifespan, title="Trainyard gateway", readiness=readiness)
    install_gateway_error_handlers(app)
    app.add_middleware(AuditMiddleware, prefix=ADMIN, uow_factory=uow_factory)
    app.add_middleware(
        BodyLimitMiddleware, max_json_bytes=settings.max_json_body_bytes, max_upload_bytes=settings.max_upload_bytes
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


def _lifespan(settings: Settings, wiring: Wiring) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Runs inside the runtime's lifespan, i.e. after the migrations."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await _first_admin(settings, wiring.uow_factory, wiring.passwords)
        async with wiring.services.open():
            yield

    return lifespan


async def _first_admin(settings: Settings, uow_factory: Callable[[], GatewayUnitOfWork], passwords: Passwords) -> None:
    password = settings.admin_password.get_secret_value()
    if not settings.admin_username or not password:
        log.warning("no first admin configured (TRAINYARD_ADMIN_USERNAME / TRAINYARD_ADMIN_PASSWORD)")
        return
    async with uow_factory() as uow:
        created = await ensure_first_admin(
            uow, CreateAdmin(settings.admin_username, password, Role.ADMIN), passwords=passwords
        )
    if created:
        log.info("first admin created", username=settings.admin_username)
