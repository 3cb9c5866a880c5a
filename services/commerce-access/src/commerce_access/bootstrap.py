"""Wires commerce-access: runtime, unit of work, event subscriptions, HTTP routes, the expiry sweep."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from commerce_access.entrypoints.events import register_handlers
from commerce_access.entrypoints.http import build_router
from commerce_access.service_layer.access import announce_expiries
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from commerce_access.settings import Settings
from trainyard_common.contracts import (
    AccessChanged,
    AccessExpired,
    AccessGranted,
    AccessRevoked,
    CustomerErasureCompleted,
    OrderCompleted,
)
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "commerce-access"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime, FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    runtime = ServiceRuntime(settings, name=name, migrations_dir=MIGRATIONS)
    runtime.publishes(
        OrderCompleted, AccessGranted, AccessChanged, AccessRevoked, AccessExpired, CustomerErasureCompleted
    )

    def uow_factory() -> CommerceUnitOfWork:
        return CommerceUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    sweep_seconds = settings.access_expiry_sweep_seconds if isinstance(settings, Settings) else 60.0
    runtime.every(sweep_seconds, "access-expiry-sweep", lambda: announce_expiries(uow_factory))
    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    return runtime, runtime.http_app(build_router(uow_factory), title="commerce-access (internal)")
