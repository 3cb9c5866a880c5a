"""The purchasers' data keys, from customer-account (issue 16): the invitation's e-mail is sealed
with the purchaser's key before RegistrationCodeInvited is written.

``PurchaserKeys`` is the use case's ``PurchaserKey``: it wraps ``RemoteCustomerKeys`` (signed as
commerce-access, ``POST /v1/customer-keys/lookup``, cached ``TRAINYARD_CUSTOMER_KEY_CACHE_SECONDS``),
opened while the service runs (``running``, entered by ``bootstrap``). A destroyed key is None;
a customer customer-account does not know is None too (there is no key to seal with);
customer-account away raises ``KeysUnavailable``."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from trainyard_common.privacy.key_source import KeysUnavailable, RemoteCustomerKeys, UnknownCustomers
from trainyard_common.settings import ServiceSettings


class PurchaserKeys:
    def __init__(self, settings: ServiceSettings, *, service: str) -> None:
        self._settings = settings
        self._service = service
        self.remote: RemoteCustomerKeys | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with RemoteCustomerKeys.of(self._settings, service=self._service) as remote:
            self.remote = remote
            try:
                yield
            finally:
                self.remote = None

    async def __call__(self, customer_id: uuid.UUID) -> bytes | None:
        if self.remote is None:
            raise KeysUnavailable("the customer key source is not running")
        try:
            return (await self.remote.keys_for([customer_id]))[customer_id]
        except UnknownCustomers:
            return None
