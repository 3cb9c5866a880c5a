"""Wires commerce-access: runtime, unit of work, event subscriptions, HTTP routes, the expiry sweep."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from commerce_access.adapters.customer_keys import PurchaserKeys
from commerce_access.entrypoints import events, http
from commerce_access.entrypoints.codes_http import install_key_errors
from commerce_access.service_layer.access import announce_expiries
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from commerce_access.settings import Settings
from trainyard_common.privacy.consumers import CustomerKeySource, ServiceCustomerKeys
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "commerce-access"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(
    settings: ServiceSettings, *, name: str = NAME, customer_keys: CustomerKeySource | None = None
) -> tuple[ServiceRuntime[CommerceUnitOfWork], FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks;
    ``customer_keys`` (the keys unsealing the version 2 topics) too: customer-account's otherwise."""
    own = settings_of_kind(settings, Settings)
    runtime = ServiceRuntime(
        settings, name=name, service=NAME, migrations_dir=MIGRATIONS, unit_of_work=CommerceUnitOfWork
    )
    runtime.every(
        own.access_expiry_sweep_seconds, "access-expiry-sweep", lambda: announce_expiries(runtime.unit_of_work)
    )
    keys: CustomerKeySource
    if customer_keys is None:  # customer-account's batch lookup, open while the service runs (issue 16)
        remote = ServiceCustomerKeys(settings, service=NAME)
        runtime.alongside(remote.running)
        keys = remote
    else:
        keys = customer_keys
    app = runtime.assemble(
        title="commerce-access (internal)",
        handlers=lambda subscriptions: events.register_handlers(subscriptions, keys),
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    purchaser_keys = PurchaserKeys(settings, service=NAME)  # seals the invitation's e-mail (issue 16)
    runtime.alongside(purchaser_keys.running)
    app.state.purchaser_keys = purchaser_keys  # read by entrypoints/deps.py
    install_key_errors(app)  # customer-account away: 503 with Retry-After
    return runtime, app
