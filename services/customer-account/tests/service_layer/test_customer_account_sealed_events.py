"""Issue 16: every event with personal data is published as version 2 (``<Type>.v2``), each personal
field sealed with the customer's own key, and in the same transaction as version 1 (deprecated), whose
personal fields are empty and whose other fields are version 2's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from customer_account.adapters.passwords import HashingPool
from customer_account.domain.actors import Actor
from customer_account.domain.imports import RawRow
from customer_account.service_layer import accounts
from customer_account.service_layer.imports import CustomerImport, ImportOptions
from trainyard_common.contracts import (
    CustomerImported,
    CustomerImportedV2,
    CustomerProfileUpdated,
    CustomerProfileUpdatedV2,
    UserRegistered,
    UserRegisteredV2,
)
from trainyard_common.contracts.base import Event
from trainyard_common.privacy import Unreadable, unseal
from trainyard_common.testing.use_cases import emitted

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")


async def _key(uows: Uows, customer_id: uuid.UUID) -> bytes:
    async with uows() as uow:
        key = await uow.keys.key_of(customer_id)
    assert key is not None
    return key


def _opened(v2: type[Any], payload: dict[str, Any], key: bytes) -> dict[str, Any]:
    return v2.model_validate(payload).opened(key)  # type: ignore[no-any-return]


def _blank(v1: type[Event], v2: type[Any], v1_payload: dict[str, Any], v2_payload: dict[str, Any]) -> None:
    """Version 1 is valid, carries every personal field empty and the rest as version 2 does."""
    v1.model_validate(v1_payload)
    for name in v2.personal_fields:
        assert v1_payload[name] == "", name
    for name, value in v2_payload.items():
        if name not in v2.personal_fields:
            assert v1_payload[name] == value, name


async def test_registration_emits_version_2_sealed_and_version_1_blank(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com", organization="Explorance Inc")
    bob = await register("bob@example.com")
    [v1_ada, v1_bob] = await emitted(uows(), "UserRegistered")
    [v2_ada, v2_bob] = await emitted(uows(), "UserRegistered.v2")
    _blank(UserRegistered, UserRegisteredV2, v1_ada, v2_ada)
    _blank(UserRegistered, UserRegisteredV2, v1_bob, v2_bob)
    for personal in UserRegisteredV2.personal_fields:
        assert v2_ada[personal].startswith("tyenc:v1:"), personal
    assert v2_bob["organization"] is None
    assert (v2_ada["customer_id"], v2_ada["registered_at"], v2_ada["source"]) == (
        str(ada.id),
        v1_ada["registered_at"],
        v1_ada["source"],
    )
    ada_key, bob_key = await _key(uows, ada.id), await _key(uows, bob.id)
    opened = _opened(UserRegisteredV2, v2_ada, ada_key)
    assert (opened["email"], opened["first_name"], opened["last_name"], opened["organization"]) == (
        "ada@example.com",
        "Ada",
        "Lovelace",
        "Explorance Inc",
    )
    assert _opened(UserRegisteredV2, v2_bob, bob_key)["email"] == "bob@example.com"
    with pytest.raises(Unreadable):  # another customer's key
        _opened(UserRegisteredV2, v2_ada, bob_key)
    with pytest.raises(Unreadable):  # another field
        unseal(v2_ada["first_name"], ada_key, customer_id=ada.id, field="last_name")


async def test_a_profile_update_emits_version_2_sealed(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com", organization="Explorance Inc")
    await accounts.edit_profile(uows(), ada.id, {"email": "ada@acme.com", "organization": "Acme"}, ADMIN)
    [v1] = await emitted(uows(), "CustomerProfileUpdated")
    [v2] = await emitted(uows(), "CustomerProfileUpdated.v2")
    _blank(CustomerProfileUpdated, CustomerProfileUpdatedV2, v1, v2)
    assert all(v2[name].startswith("tyenc:v1:") for name in CustomerProfileUpdatedV2.personal_fields)
    assert "ada@" not in str(v2)
    assert "Acme" not in str(v2)
    assert "Explorance" not in str(v2)
    assert (v2["changed_fields"], v2["updated_at"]) == (v1["changed_fields"], v1["updated_at"])
    opened = _opened(CustomerProfileUpdatedV2, v2, await _key(uows, ada.id))
    assert (opened["email"], opened["previous_email"], opened["organization"], opened["previous_organization"]) == (
        "ada@acme.com",
        "ada@example.com",
        "Acme",
        "Explorance Inc",
    )


async def test_an_import_emits_version_2_sealed(uows: Uows, register: Register) -> None:
    known = await register("known@example.com")
    price = uuid.uuid4()

    async def batches() -> AsyncIterator[list[RawRow]]:
        yield [
            RawRow(1, {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "price_id": ""}),
            RawRow(2, {"first_name": "K", "last_name": "N", "email": "known@example.com", "price_id": str(price)}),
        ]

    hashing = HashingPool(1)
    try:
        await CustomerImport(uows, hashing, ImportOptions(), ADMIN).run(batches())
    finally:
        hashing.close()
    [_, v1_grace] = await emitted(uows(), "UserRegistered")
    [_, v2_grace] = await emitted(uows(), "UserRegistered.v2")
    [v1_row] = await emitted(uows(), "CustomerImported")
    [v2_row] = await emitted(uows(), "CustomerImported.v2")
    _blank(UserRegistered, UserRegisteredV2, v1_grace, v2_grace)
    _blank(CustomerImported, CustomerImportedV2, v1_row, v2_row)
    assert "grace" not in str(v2_grace).lower()
    assert "hopper" not in str(v2_grace).lower()
    assert "known@" not in str(v2_row)
    assert v2_row["price_id"] == str(price)
    grace = uuid.UUID(v2_grace["customer_id"])
    opened = _opened(UserRegisteredV2, v2_grace, await _key(uows, grace))
    assert (opened["email"], opened["first_name"], opened["last_name"]) == ("grace@example.com", "Grace", "Hopper")
    assert _opened(CustomerImportedV2, v2_row, await _key(uows, known.id))["email"] == "known@example.com"
