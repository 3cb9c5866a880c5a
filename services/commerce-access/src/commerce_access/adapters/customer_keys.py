"""The purchasers' data keys, from customer-account (issue 16): the invitation's e-mail is sealed
with the purchaser's key before RegistrationCodeInvited is written.

``PurchaserKeys`` is the use case's ``PurchaserKey``: it asks the service's ``ServiceCustomerKeys``
(``RemoteCustomerKeys`` signed as commerce-access, ``POST /v1/customer-keys/lookup``, cached
``TRAINYARD_CUSTOMER_KEY_CACHE_SECONDS``; the same cache the consumers unseal with). A destroyed key is None;
a customer customer-account does not know is None too (there is no key to seal with);
customer-account away raises ``KeysUnavailable``."""

from __future__ import annotations

import uuid

from trainyard_common.privacy.consumers import CustomerKeySource
from trainyard_common.privacy.key_source import UnknownCustomers


class PurchaserKeys:
    def __init__(self, source: CustomerKeySource) -> None:
        self.source = source

    async def __call__(self, customer_id: uuid.UUID) -> bytes | None:
        try:
            return (await self.source.keys_for([customer_id]))[customer_id]
        except UnknownCustomers:
            return None
