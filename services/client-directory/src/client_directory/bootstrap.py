"""Wires client-directory: runtime, unit of work, event subscriptions, HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from client_directory.entrypoints import events, http
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.privacy.consumers import CustomerKeySource, ServiceCustomerKeys, unsealing_keys
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "client-directory"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(
    settings: ServiceSettings, *, name: str = NAME, customer_keys: CustomerKeySource | None = None
) -> tuple[ServiceRuntime[DirectoryUnitOfWork], FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks;
    ``customer_keys`` (the keys unsealing the version 2 topics) too: customer-account's otherwise."""
    runtime = ServiceRuntime(
        settings, name=name, service=NAME, migrations_dir=MIGRATIONS, unit_of_work=DirectoryUnitOfWork
    )
    keys = customer_keys or unsealing_keys(settings, ServiceCustomerKeys.alongside(runtime, settings, service=NAME))
    app = runtime.assemble(
        title="client-directory (internal)",
        handlers=lambda subscriptions: events.register_handlers(subscriptions, keys),
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    return runtime, app
