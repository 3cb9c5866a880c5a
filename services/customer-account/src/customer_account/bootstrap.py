"""Wires customer-account: runtime, unit of work, event subscriptions, HTTP routes, e-mail sender."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from customer_account.adapters.emails import SmtpSettings, send_email
from customer_account.adapters.passwords import HashingPool
from customer_account.domain.sign_in import SignInPolicy
from customer_account.entrypoints.context import Context
from customer_account.entrypoints.events import register_handlers
from customer_account.entrypoints.http import build_router
from customer_account.service_layer.mail_sender import MailSender
from customer_account.service_layer.sessions import SessionConfig
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.contracts import (
    CustomerDeleted,
    CustomerErased,
    CustomerGroupsChanged,
    CustomerImported,
    CustomerProfileUpdated,
    CustomerStatusChanged,
    UserRegistered,
)
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

NAME = "customer-account"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def session_config(settings: Settings) -> SessionConfig:
    policy = SignInPolicy(
        max_failures=settings.lockout_max_failures,
        failure_window=timedelta(minutes=settings.lockout_window_minutes),
        ip_free_failures=settings.sign_in_ip_free_failures,
        ip_base_delay_seconds=settings.sign_in_ip_base_delay_seconds,
        ip_max_delay_seconds=settings.sign_in_ip_max_delay_seconds,
    )
    return SessionConfig(
        policy,
        ttl=timedelta(minutes=settings.session_ttl_minutes),
        impersonation_ttl=timedelta(minutes=settings.impersonation_ttl_minutes),
    )


def smtp_settings(settings: Settings) -> SmtpSettings:
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.email_sender,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def bootstrap(settings: ServiceSettings, *, name: str = NAME) -> tuple[ServiceRuntime, FastAPI]:
    """``name`` (the consumer group) differs from the service's only in tests and benchmarks."""
    own = settings if isinstance(settings, Settings) else Settings.model_validate(settings.model_dump())
    runtime = ServiceRuntime(own, name=name, migrations_dir=MIGRATIONS)
    runtime.publishes(
        UserRegistered,
        CustomerProfileUpdated,
        CustomerStatusChanged,
        CustomerGroupsChanged,
        CustomerImported,
        CustomerErased,
        CustomerDeleted,
    )
    sender: MailSender | None = None

    def after_commit() -> None:
        runtime.relay.nudge()
        if sender is not None:
            sender.nudge()  # a commit may have queued e-mail: deliver it now rather than at the next poll

    def uow_factory() -> CustomerUnitOfWork:
        return CustomerUnitOfWork(runtime.session_factory, source=f"/trainyard/{NAME}", after_commit=after_commit)

    sender = MailSender(uow_factory, partial(send_email, smtp_settings(own)), own.email_poll_seconds)
    subscriptions = runtime.subscriptions(uow_factory)
    register_handlers(subscriptions)
    runtime.include(subscriptions)
    hashing = HashingPool(own.hashing_workers)
    ctx = Context(uow_factory=uow_factory, settings=own, sessions=session_config(own), hashing=hashing)
    app = runtime.http_app(build_router(ctx), title="customer-account (internal)")
    _run_alongside(app, sender if own.email_enabled else None, hashing)
    return runtime, app


def _run_alongside(app: FastAPI, sender: MailSender | None, hashing: HashingPool) -> None:
    """The service's own background work, started after the runtime's and stopped before it."""
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app_):
            task = asyncio.create_task(sender.run(), name="mail-sender") if sender else None
            try:
                yield
            finally:
                if task is not None:
                    task.cancel()  # a message mid-send stays claimed-uncommitted: sent again, never lost
                    await asyncio.gather(task, return_exceptions=True)
                hashing.close()

    app.router.lifespan_context = lifespan
