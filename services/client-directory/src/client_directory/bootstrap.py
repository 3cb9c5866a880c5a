"""Wires client-directory: runtime, unit of work, event subscriptions, HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from client_directory.entrypoints.events import register_handlers
from client_directory.entrypoints.http import build_router
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import CustomerErasureCompleted, LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "client-directory"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime, FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    runtime = ServiceRuntime(settings, name=name, migrations_dir=MIGRATIONS)
    runtime.publishes(LearnerAssignedToClient, LearnerRemovedFromClient, CustomerErasureCompleted)

    def uow_factory() -> DirectoryUnitOfWork:
        return DirectoryUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    return runtime, runtime.http_app(build_router(uow_factory), title="client-directory (internal)")
