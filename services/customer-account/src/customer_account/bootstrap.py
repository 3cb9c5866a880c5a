"""Wires customer-account: runtime, unit of work, event subscriptions, HTTP routes, e-mail sender."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from customer_account.adapters import erasure_metrics
from customer_account.adapters.customer_keys import use_key_encryption_keys
from customer_account.adapters.emails import SmtpSettings, send_email
from customer_account.adapters.passwords import HashingPool, hashing_gate, use_hashing_gate, use_password_hash_cost
from customer_account.entrypoints import customer_keys_http, events, http
from customer_account.service_layer.mail_sender import MailSender
from customer_account.service_layer.sessions import SessionConfig
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.passwords import install_hashing_busy_handler
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

NAME = "customer-account"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime[CustomerUnitOfWork], FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    own = settings_of_kind(settings, Settings)
    events.use_learner_site(own.learner_site_url)  # the registration code invitations' links
    use_key_encryption_keys(own.keks)  # wraps the customers' keys (adapters/customer_keys.py)
    runtime = ServiceRuntime(own, name=name, service=NAME, migrations_dir=MIGRATIONS, unit_of_work=CustomerUnitOfWork)
    runtime.service_paths = customer_keys_http.SERVICE_PATHS  # the other services' own calls: keys only
    erasure_metrics.watch(runtime, own.erasure_services)  # gauges of erasures awaiting receipts
    hashing = HashingPool(own.hashing_workers)
    runtime.alongside(lambda: contextlib.aclosing(hashing))  # closed after the sender stopped
    if own.email_enabled:
        sender = MailSender(
            runtime.unit_of_work,
            partial(send_email, SmtpSettings.of(own)),
            own.email_poll_seconds,
            max_attempts=own.email_max_attempts,
        )
        runtime.after_commit(sender.nudge)  # a commit may have queued e-mail: deliver it now, not at the next poll
        runtime.alongside(sender.running)
    app = runtime.assemble(
        title="customer-account (internal)",
        handlers=events.register_handlers,
        publishes=events.PUBLISHED,
        routers=http.ROUTERS,
    )
    app.state.hashing = hashing
    use_password_hash_cost(own.password_hash_cost)
    # every argon2id hash (sign-in, registration, password changes) waits at one gate; beyond it 503
    use_hashing_gate(
        hashing_gate(own.hashing_memory_bytes, slots=own.hashing_slots, wait_seconds=own.hashing_wait_seconds)
    )
    install_hashing_busy_handler(app)
    app.state.sessions = SessionConfig.of(own)
    return runtime, app
