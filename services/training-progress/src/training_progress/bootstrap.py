"""Wires training-progress: runtime, unit of work, event subscriptions, HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from training_progress.entrypoints.events import register_handlers
from training_progress.entrypoints.http import build_router
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "training-progress"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime, FastAPI]:
    runtime = ServiceRuntime(settings, name=NAME, migrations_dir=MIGRATIONS)

    def uow_factory() -> ProgressUnitOfWork:
        return ProgressUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    app = runtime.http_app(build_router(uow_factory), title="training-progress (internal)")
    return runtime, app
