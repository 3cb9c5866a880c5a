"""What the gateway's routes receive from the app they run in (``bootstrap`` fills its state).

A route names what it needs by one of these aliases; nothing reaches a route any other way.
The guards in front of every request (``security.admin_guard``, ``learner_auth.learner_guard``)
read the same state through the plain getters below instead: they mostly answer from a cache,
and each dependency FastAPI resolves per request costs more than the cached check itself.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from gateway import settings
from gateway.adapters import services, session_checks
from gateway.service_layer import ports
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.deps import reading_unit_of_work, service_settings, unit_of_work


async def _services(request: Request) -> services.Services:
    return cast(services.Services, request.app.state.services)


async def _passwords(request: Request) -> ports.Passwords:
    return cast(ports.Passwords, request.app.state.passwords)


def app_settings(request: Request) -> settings.Settings:
    return cast(settings.Settings, request.app.state.settings)


def app_services(request: Request) -> services.Services:
    return cast(services.Services, request.app.state.services)


def app_session_checks(request: Request) -> session_checks.SessionChecks:
    return cast(session_checks.SessionChecks, request.app.state.session_checks)


def new_unit_of_work(request: Request) -> GatewayUnitOfWork:
    """A fresh unit of work (the caller enters it), made only when it is needed."""
    return cast(GatewayUnitOfWork, request.app.state.unit_of_work())


UnitOfWork = Annotated[GatewayUnitOfWork, Depends(unit_of_work)]
ReadingUnitOfWork = Annotated[GatewayUnitOfWork, Depends(reading_unit_of_work)]
Settings = Annotated[settings.Settings, Depends(service_settings)]
Services = Annotated[services.Services, Depends(_services)]
Passwords = Annotated[ports.Passwords, Depends(_passwords)]
