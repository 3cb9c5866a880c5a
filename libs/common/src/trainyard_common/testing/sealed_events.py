"""The sealed version 2 events with personal data, as tests and benchmarks publish them (issue 16).

Sealed with ``TEST_KEY`` unless told otherwise; a consumer reads them with ``known_keys()`` (the
in-memory key source answering ``TEST_KEY`` for every customer) — or, when it asks customer-account,
with a key customer-account holds for that customer (``key`` from its ``customer_keys`` table).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from trainyard_common.contracts import CustomerImportedV2, CustomerProfileUpdatedV2, UserRegisteredV2
from trainyard_common.privacy.consumers import FixedCustomerKeys
from trainyard_common.vocabulary import ProfileField, RegistrationSource

TEST_KEY = bytes(range(32))
"""The customers' key in tests without customer-account (never a real one)."""


def known_keys(destroyed: Iterable[uuid.UUID] = ()) -> FixedCustomerKeys:
    """``TEST_KEY`` for every customer, except ``destroyed`` (erased: None)."""
    return FixedCustomerKeys(dict.fromkeys(destroyed), default=TEST_KEY)


def registered(
    customer_id: uuid.UUID,
    email: str,
    *,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    organization: str | None = None,
    source: RegistrationSource = RegistrationSource.SELF_REGISTRATION,
    registered_at: datetime | None = None,
    key: bytes = TEST_KEY,
) -> UserRegisteredV2:
    return UserRegisteredV2.sealing(
        {
            "customer_id": customer_id,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "organization": organization,
            "source": source,
            "registered_at": registered_at or datetime.now(UTC),
        },
        key,
    )


def profile_updated(
    customer_id: uuid.UUID,
    email: str,
    *,
    previous_email: str | None = None,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    organization: str | None = None,
    previous_organization: str | None = None,
    changed_fields: Iterable[ProfileField] = (ProfileField.EMAIL,),
    updated_at: datetime | None = None,
    key: bytes = TEST_KEY,
) -> CustomerProfileUpdatedV2:
    return CustomerProfileUpdatedV2.sealing(
        {
            "customer_id": customer_id,
            "email": email,
            "previous_email": previous_email or email,
            "first_name": first_name,
            "last_name": last_name,
            "organization": organization,
            "previous_organization": previous_organization,
            "changed_fields": list(changed_fields),
            "updated_at": updated_at or datetime.now(UTC),
        },
        key,
    )


def imported(
    customer_id: uuid.UUID,
    email: str,
    *,
    import_id: uuid.UUID | None = None,
    row_number: int = 1,
    price_id: uuid.UUID | None = None,
    cost: Decimal | None = None,
    currency: str | None = None,
    imported_at: datetime | None = None,
    key: bytes = TEST_KEY,
) -> CustomerImportedV2:
    return CustomerImportedV2.sealing(
        {
            "import_id": import_id or uuid.uuid4(),
            "row_number": row_number,
            "customer_id": customer_id,
            "email": email,
            "price_id": price_id,
            "cost": cost,
            "currency": currency,
            "imported_at": imported_at or datetime.now(UTC),
        },
        key,
    )
