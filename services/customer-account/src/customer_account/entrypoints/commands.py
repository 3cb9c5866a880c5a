"""customer-account's own commands (``customer-account <command>``), beside ``serve`` and ``migrate``."""

from __future__ import annotations

import logging
from typing import Any

from customer_account.service_layer.customer_keys import rotate
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings, settings_of_kind

log = logging.getLogger(__name__)


async def rotate_kek(runtime: ServiceRuntime[Any], settings: ServiceSettings) -> None:
    """Re-wrap every customer key with the first of ``TRAINYARD_KEY_ENCRYPTION_KEYS``, in batches
    of ``TRAINYARD_KEY_ROTATION_BATCH``, one transaction each. Idempotent and resumable: run it
    again after a failure; keys already under the first KEK are not touched."""
    own = settings_of_kind(settings, Settings)
    uow: CustomerUnitOfWork = runtime.unit_of_work()
    done = await rotate(uow, own.key_rotation_batch)
    log.info("customer keys re-wrapped with KEK %r: %d", own.keks.current_id, done)
    print(f"re-wrapped {done} customer keys with KEK {own.keks.current_id!r}")


COMMANDS = {"rotate-kek": rotate_kek}
