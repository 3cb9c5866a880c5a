"""What the gateway does once it runs (migrated): the first admin exists, and the clients of
the services stay open until it stops."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from gateway.adapters.services import Services
from gateway.domain.admins import Role
from gateway.service_layer.auth import CreateAdmin, ensure_first_admin
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import Settings
from trainyard_common.logs import get_logger

log = get_logger(__name__)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, units_of_work: Callable[[], GatewayUnitOfWork], services: Services, passwords: Passwords
) -> AsyncIterator[None]:
    await first_admin(settings, units_of_work, passwords)
    async with services.open():
        yield


async def first_admin(settings: Settings, units_of_work: Callable[[], GatewayUnitOfWork], passwords: Passwords) -> None:
    """The admin named by the settings, created once (an existing one is left as it is)."""
    password = settings.admin_password.get_secret_value()
    if not settings.admin_username or not password:
        log.warning("no first admin configured (TRAINYARD_ADMIN_USERNAME / TRAINYARD_ADMIN_PASSWORD)")
        return
    async with units_of_work() as uow:
        created = await ensure_first_admin(
            uow, CreateAdmin(settings.admin_username, password, Role.ADMIN), passwords=passwords
        )
    if created:
        log.info("first admin created", username=settings.admin_username)
