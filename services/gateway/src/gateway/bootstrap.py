"""Wires the gateway: runtime (own database, health), service clients, routes, middlewares.

The gateway consumes and publishes no events; it still runs on ``ServiceRuntime`` so /readyz,
migrations and the (idle) outbox relay work like everywhere else.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gateway.adapters.passwords import Argon2Passwords
from gateway.adapters.services import Services
from gateway.console.install import install_console
from gateway.entrypoints import startup
from gateway.entrypoints.auditing import AuditMiddleware
from gateway.entrypoints.errors import install_gateway_error_handlers
from gateway.entrypoints.http import ROUTERS
from gateway.entrypoints.limits import BodyLimitMiddleware
from gateway.entrypoints.paths import ADMIN
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import Settings
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "gateway"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime[GatewayUnitOfWork], FastAPI]:
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(own, name=NAME, migrations_dir=MIGRATIONS, unit_of_work=GatewayUnitOfWork)
    services, passwords = Services.of(own), Argon2Passwords()
    readiness = {client.name: client.check_alive for client in services.all()}
    app = runtime.assemble(title="Trainyard gateway", routers=ROUTERS, readiness=readiness)
    app.state.services, app.state.passwords = services, passwords  # read by entrypoints/deps.py
    runtime.alongside(lambda: startup.running(own, runtime.unit_of_work, services, passwords))
    install_gateway_error_handlers(app)
    install_console(app)  # the admin console's static files and error pages; /docs served offline
    app.add_middleware(AuditMiddleware, prefix=ADMIN, uow_factory=runtime.unit_of_work)
    app.add_middleware(
        BodyLimitMiddleware, max_json_bytes=own.max_json_body_bytes, max_upload_bytes=own.max_upload_bytes
    )
    return runtime, app
