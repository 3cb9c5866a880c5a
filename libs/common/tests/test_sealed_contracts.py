"""Issue 16, item 1: version 2 of the events with personal data (``<Type>.v2``), every personal field
sealed with the customer's own key, bound to the customer and the field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from trainyard_common.contracts import (
    ALL_EVENTS,
    CustomerImported,
    CustomerImportedV2,
    CustomerProfileUpdated,
    CustomerProfileUpdatedV2,
    UserRegistered,
    UserRegisteredV2,
    event_for_topic,
)
from trainyard_common.contracts.export import expected_files
from trainyard_common.privacy import Unreadable, new_data_key, unseal
from trainyard_common.vocabulary import ProfileField, RegistrationSource

AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ADA = uuid.uuid4()
VERSIONS = [
    (UserRegistered, UserRegisteredV2, {"email", "first_name", "last_name", "organization"}),
    (
        CustomerProfileUpdated,
        CustomerProfileUpdatedV2,
        {"email", "previous_email", "first_name", "last_name", "organization", "previous_organization"},
    ),
    (CustomerImported, CustomerImportedV2, {"email"}),
]


def _registered() -> dict[str, Any]:
    """A registration's fields in clear."""
    return {
        "customer_id": ADA,
        "email": "ada@explorance.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization": "Explorance Inc",
        "source": RegistrationSource.SELF_REGISTRATION,
        "registered_at": AT,
    }


def test_the_v2_events_travel_on_their_own_topics() -> None:
    assert [v2.topic() for _, v2, _ in VERSIONS] == [
        "UserRegistered.v2",
        "CustomerProfileUpdated.v2",
        "CustomerImported.v2",
    ]
    for v1, v2, _ in VERSIONS:
        assert v2 in ALL_EVENTS
        assert event_for_topic(v2.topic()) is v2
        assert event_for_topic(v1.topic()) is v1
        assert v2.event_type == v1.event_type
        assert v2.schema_version == 2


@pytest.mark.parametrize(("v1", "v2", "personal"), VERSIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_the_v2_schema_marks_exactly_the_personal_fields_encrypted(
    v1: type, v2: type[UserRegisteredV2], personal: set[str]
) -> None:
    schema = json.loads(expected_files()[f"{v2.topic()}.json"])
    released = json.loads(expected_files()[f"{v1.topic()}.json"])
    assert set(schema["properties"]) == set(released["properties"]), "the same fields as version 1"
    encrypted = {name for name, prop in schema["properties"].items() if prop.get("x-trainyard-encrypted")}
    assert encrypted == personal == set(v2.personal_fields)
    for name in personal:
        text = json.dumps(schema["properties"][name])
        assert "^tyenc:v1:" in text, name
    assert schema["x-trainyard"]["topic"] == v2.topic()
    assert schema["x-trainyard"]["schema_version"] == 2


def test_a_v2_event_opens_with_its_customers_key_only() -> None:
    key, other = new_data_key(), new_data_key()
    v1 = _registered()
    v2 = UserRegisteredV2.sealing(v1, key)
    assert UserRegisteredV2.model_validate_json(v2.model_dump_json()) == v2, "valid against its contract"
    sealed = [v2.email, v2.first_name, v2.last_name, v2.organization]
    assert all(value is not None and value.startswith("tyenc:") for value in sealed), sealed
    text = v2.model_dump_json()
    for value in sealed:  # random ciphertext may spell "Ada" by chance (it did once in CI): not a leak
        text = text.replace(str(value), "")
    for clear in ("ada@explorance.com", "Ada", "Lovelace", "Explorance"):
        assert clear not in text
    assert (v2.customer_id, v2.registered_at, v2.source) == (ADA, AT, RegistrationSource.SELF_REGISTRATION)
    assert v2.opened(key) == v1
    with pytest.raises(Unreadable):
        v2.opened(other)  # another customer's key
    with pytest.raises(Unreadable):
        unseal(v2.email, key, customer_id=uuid.uuid4(), field="email")  # another customer
    with pytest.raises(Unreadable):
        unseal(v2.first_name, key, customer_id=ADA, field="last_name")  # another field


def test_absent_optional_personal_fields_stay_absent() -> None:
    key = new_data_key()
    updated: dict[str, Any] = {
        "customer_id": ADA,
        "email": "ada@acme.com",
        "previous_email": "ada@explorance.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization": None,
        "previous_organization": None,
        "changed_fields": [ProfileField.EMAIL],
        "updated_at": AT,
    }
    sealed = CustomerProfileUpdatedV2.sealing(updated, key)
    assert (sealed.organization, sealed.previous_organization) == (None, None)
    assert sealed.opened(key) == updated
    imported: dict[str, Any] = {
        "import_id": uuid.uuid4(),
        "row_number": 3,
        "customer_id": ADA,
        "email": "ada@explorance.com",
        "price_id": uuid.uuid4(),
        "cost": Decimal("49.90"),
        "currency": "CAD",
        "imported_at": AT,
    }
    row = CustomerImportedV2.sealing(imported, key)
    assert (row.cost, row.currency, row.row_number) == (Decimal("49.90"), "CAD", 3)
    assert row.opened(key) == imported


def test_sealing_checks_the_contract() -> None:
    with pytest.raises(ValidationError):
        UserRegisteredV2.sealing({**_registered(), "source": "carrier_pigeon"}, new_data_key())


@pytest.mark.parametrize(("v1", "v2", "personal"), VERSIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_version_1_carries_every_personal_field_empty_and_the_rest_as_version_2(
    v1: type, v2: type[UserRegisteredV2], personal: set[str]
) -> None:
    clear = {
        UserRegisteredV2: _registered(),
        CustomerProfileUpdatedV2: {
            **_registered(),
            "previous_email": "ada@explorance.com",
            "previous_organization": "Explorance Inc",
            "changed_fields": [ProfileField.EMAIL],
            "updated_at": AT,
        },
        CustomerImportedV2: {
            "import_id": uuid.uuid4(),
            "row_number": 1,
            "customer_id": ADA,
            "imported_at": AT,
            "email": "ada@explorance.com",
        },
    }[v2]
    sealed = v2.sealing(clear, new_data_key())
    blank = sealed.version_1()
    assert type(blank) is v1
    assert v2.predecessor() is v1
    assert v1.deprecation is not None
    assert v1.deprecation.successor == v2.topic()
    dumped = blank.model_dump()
    assert {name: dumped[name] for name in personal} == dict.fromkeys(personal, "")
    rest = {name: value for name, value in sealed.model_dump().items() if name not in personal}
    assert {name: dumped[name] for name in rest} == rest
    text = blank.model_dump_json()
    assert "ada@" not in text.lower()
    assert "explorance" not in text.lower()
    # A message from before the deprecation (personal fields in clear) reads as empty, not refused.
    before = v1.model_validate({**dumped, **dict.fromkeys(personal, "ada@explorance.com")})
    assert {name: getattr(before, name) for name in personal} == dict.fromkeys(personal, "")
    assert v1.model_validate({**dumped, **dict.fromkeys(personal, None)}) == blank
    with pytest.raises(ValidationError):  # anything but a string still breaks the contract
        v1.model_validate({**dumped, "email": 42})
