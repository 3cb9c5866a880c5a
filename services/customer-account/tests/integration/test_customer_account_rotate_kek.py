"""``customer-account rotate-kek``, the command an operator runs (docs/operations.md): a real process
on a real database re-wraps every customer key with the first KEK, and a second run finds nothing."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy import select

from customer_account.adapters.customer_keys import key_encryption_keys, use_key_encryption_keys
from customer_account.adapters.passwords import hash_password
from customer_account.adapters.tables import customer_keys
from customer_account.bootstrap import MIGRATIONS
from customer_account.service_layer.customer_keys import customer_key, rotate
from customer_account.service_layer.registration import RegisterCustomer, register_customer
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.privacy import KeyEncryptionKeys, new_data_key
from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING
from trainyard_common.testing.use_cases import units_of_work

pytestmark = pytest.mark.integration


def _rotate(database_url: str, keks: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRAINYARD_DATABASE_URL": database_url,
        "TRAINYARD_KEY_ENCRYPTION_KEYS": keks,
        "TRAINYARD_KEY_ROTATION_BATCH": "2",
    }
    return subprocess.run(
        [sys.executable, "-m", "customer_account", "rotate-kek"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_rotate_kek_rewraps_every_key_and_is_idempotent(new_database: Callable[[str], str]) -> None:
    database_url = new_database("ca_rotate_kek")
    keks = f"next:{base64.b64encode(new_data_key()).decode()},{DEVELOPMENT_KEYS_SETTING}"
    async with units_of_work(database_url, CustomerUnitOfWork, MIGRATIONS) as uows:
        password = hash_password("correct horse battery")
        uow: CustomerUnitOfWork
        ids = []
        for i in range(3):
            command = RegisterCustomer("Ada", "Lovelace", f"ada{i}@example.com", password, None)
            async with uows() as uow:
                ids.append((await register_customer(uow, command)).id)
        before = [await customer_key(uows(), i) for i in ids]

        first = await asyncio.to_thread(_rotate, database_url, keks)
        assert first.returncode == 0, first.stderr
        assert "re-wrapped 3 customer keys with KEK 'next'" in first.stdout
        # Run again, the command's own use case in this process (a second process costs a loaded
        # CI machine 15 to 25 s of start-up): nothing left to re-wrap.
        old = key_encryption_keys()
        use_key_encryption_keys(KeyEncryptionKeys.parse(keks))
        try:
            assert await rotate(uows(), 2) == 0
        finally:
            use_key_encryption_keys(old)

        async with uows() as uow:
            assert set((await uow.session.execute(select(customer_keys.c.kek_id))).scalars()) == {"next"}
    only_new = keks.split(",", maxsplit=1)[0]
    async with units_of_work(database_url, CustomerUnitOfWork, MIGRATIONS) as uows:
        old = key_encryption_keys()
        use_key_encryption_keys(KeyEncryptionKeys.parse(only_new))  # the old KEK dropped: every key opens
        try:
            assert [await customer_key(uows(), i) for i in ids] == before
        finally:
            use_key_encryption_keys(old)
