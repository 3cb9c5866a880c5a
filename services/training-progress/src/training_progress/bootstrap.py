"""Wires training-progress: its unit of work, event handlers, published events, routes, import jobs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from training_progress.entrypoints import events, http
from training_progress.service_layer.imports import Jobs
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from training_progress.settings import Settings
from trainyard_common.privacy.consumers import CustomerKeySource, ServiceCustomerKeys, unsealing_keys
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "training-progress"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(
    settings: ServiceSettings, *, name: str = NAME, customer_keys: CustomerKeySource | None = None
) -> tuple[ServiceRuntime[ProgressUnitOfWork], FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks;
    ``customer_keys`` (the keys unsealing the version 2 topics) too: customer-account's otherwise."""
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(own, name=name, service=NAME, migrations_dir=MIGRATIONS, unit_of_work=ProgressUnitOfWork)
    keys = customer_keys or unsealing_keys(settings, ServiceCustomerKeys.alongside(runtime, settings, service=NAME))
    app = runtime.assemble(
        title="training-progress (internal)",
        handlers=lambda subscriptions: events.register_handlers(subscriptions, keys),
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    http.install_error_handlers(app)
    app.state.import_jobs = Jobs()  # the routes' background imports (entrypoints/deps.py)
    return runtime, app
