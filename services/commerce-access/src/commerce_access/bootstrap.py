"""Wires commerce-access: runtime, unit of work, event subscriptions, HTTP routes, the expiry sweep."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from commerce_access.entrypoints import events, http
from commerce_access.service_layer.access import announce_expiries
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from commerce_access.settings import Settings
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "commerce-access"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime[CommerceUnitOfWork], FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(
        settings, name=name, service=NAME, migrations_dir=MIGRATIONS, unit_of_work=CommerceUnitOfWork
    )
    runtime.every(
        own.access_expiry_sweep_seconds, "access-expiry-sweep", lambda: announce_expiries(runtime.unit_of_work)
    )
    app = runtime.assemble(
        title="commerce-access (internal)",
        handlers=events.register_handlers,
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    return runtime, app
