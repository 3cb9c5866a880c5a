"""Wires customer-account: runtime, unit of work, event subscriptions, HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from customer_account.entrypoints.http import build_router
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import UserRegistered
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "customer-account"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings) -> tuple[ServiceRuntime, FastAPI]:
    runtime = ServiceRuntime(settings, name=NAME, migrations_dir=MIGRATIONS)
    runtime.publishes(UserRegistered)

    def uow_factory() -> CustomerUnitOfWork:
        return CustomerUnitOfWork(
            runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=runtime.relay.nudge
        )

    return runtime, runtime.http_app(build_router(uow_factory), title="customer-account (internal)")
