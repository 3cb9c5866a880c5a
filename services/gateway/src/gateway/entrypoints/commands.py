"""The gateway's own commands (``gateway <command>``), beside ``serve`` and ``migrate``."""

from __future__ import annotations

from typing import Any

from gateway.adapters.services import Services
from gateway.bootstrap import customer_views
from gateway.settings import Settings
from trainyard_common.logs import get_logger
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

log = get_logger(__name__)


async def rebuild_views(runtime: ServiceRuntime[Any], settings: ServiceSettings) -> None:
    """Build the customer view of every customer customer-account lists, from the services'
    internal APIs (docs/runbook.md). Safe while the gateway runs: a section is replaced only
    by a newer read, erased customers stay out."""
    own = settings_of_kind(settings, Settings)
    services = Services.of(own)
    async with services.open():
        done = await customer_views(own, runtime, services).rebuild()
    log.info("customer views rebuilt", customers=done)
    print(f"rebuilt the customer view of {done} customers")


COMMANDS = {"rebuild-views": rebuild_views}
