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
from trainyard_common.privacy.consumers import CustomerKeySource, ServiceCustomerKeys, unsealing_keys
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
    # customer-account's batch lookup, open while the service runs (issue 16): one cache for the
    # consumers' unsealing and the invitations' sealing; tests may give the consumers other keys.
    remote = ServiceCustomerKeys.alongside(runtime, settings, service=NAME)
    keys = customer_keys or unsealing_keys(settings, remote)
    app = runtime.assemble(
        title="commerce-access (internal)",
        handlers=lambda subscriptions: events.register_handlers(subscriptions, keys),
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    app.state.purchaser_keys = PurchaserKeys(remote)  # seals the invitation's e-mail; read by entrypoints/deps.py
    install_key_errors(app)  # customer-account away: 503 with Retry-After
    return runtime, app
