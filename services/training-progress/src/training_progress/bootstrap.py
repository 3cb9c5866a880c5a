"""Wires training-progress: runtime, unit of work, event subscriptions, HTTP routes, import jobs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from training_progress.entrypoints.events import register_handlers
from training_progress.entrypoints.http import build_router
from training_progress.service_layer.imports import Jobs
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from training_progress.settings import Settings
from trainyard_common.contracts import CustomerErasureCompleted, ProgressDeleted, ProgressRecorded, TrainingCompleted
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "training-progress"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime, FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    runtime = ServiceRuntime(settings, name=name, migrations_dir=MIGRATIONS)
    runtime.publishes(ProgressRecorded, TrainingCompleted, ProgressDeleted, CustomerErasureCompleted)

    def uow_factory() -> ProgressUnitOfWork:
        return ProgressUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    inline = settings.import_inline_seconds if isinstance(settings, Settings) else 3.0
    router = build_router(uow_factory, Jobs(), import_inline_seconds=inline)
    return runtime, runtime.http_app(router, title="training-progress (internal)")
