"""Wires commerce-access: runtime, unit of work, event subscriptions, HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from commerce_access.entrypoints.events import register_handlers
from commerce_access.entrypoints.http import build_router
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "commerce-access"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime, FastAPI]:
    runtime = ServiceRuntime(settings, name=NAME, migrations_dir=MIGRATIONS)

    def uow_factory() -> CommerceUnitOfWork:
        return CommerceUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    return runtime, runtime.http_app(build_router(uow_factory), title="commerce-access (internal)")
