"""Crypto-shredding's building blocks: sealing a field, wrapping keys, the consumers' key cache."""

from __future__ import annotations

import base64
import uuid

import pytest
from pydantic import BaseModel

from trainyard_common.privacy import (
    CustomerKeys,
    KeyDestroyed,
    KeyEncryptionKeys,
    Unreadable,
    is_sealed,
    new_data_key,
    seal,
    unseal,
    unwrap,
    wrap,
)
from trainyard_common.privacy.keyring import NOT_HELD
from trainyard_common.privacy.keys import DEVELOPMENT_KEYS_SETTING
from trainyard_common.privacy.schema import SealedText
from trainyard_common.privacy.sealing import CustomerSeal

ADA = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")
BOB = uuid.UUID("16fd2706-8baf-433b-82eb-8c7fada847da")


def test_a_sealed_field_opens_with_its_key_customer_and_field_only() -> None:
    key = new_data_key()
    sealed = seal("ada@example.com", key, customer_id=ADA, field="email")

    assert sealed.startswith("tyenc:v1:")
    assert "ada" not in sealed
    assert is_sealed(sealed)
    assert unseal(sealed, key, customer_id=ADA, field="email") == "ada@example.com"
    assert seal("ada@example.com", key, customer_id=ADA, field="email") != sealed  # a fresh nonce each time
    with pytest.raises(Unreadable):
        unseal(sealed, new_data_key(), customer_id=ADA, field="email")  # wrong (or destroyed) key
    with pytest.raises(Unreadable):
        unseal(sealed, key, customer_id=BOB, field="email")  # moved to another customer
    with pytest.raises(Unreadable):
        unseal(sealed, key, customer_id=ADA, field="first_name")  # moved to another field


@pytest.mark.parametrize(
    "alter",
    [
        lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],  # a flipped byte
        lambda s: s[:20],  # truncated
        lambda s: s.replace("tyenc:v1:", "tyenc:v2:"),  # an unknown envelope version
        lambda s: s.replace("tyenc:v1:", ""),  # no envelope
        lambda s: s + "=",  # not the envelope's alphabet
    ],
)
def test_a_tampered_or_unknown_envelope_is_unreadable(alter) -> None:  # type: ignore[no-untyped-def]
    key = new_data_key()
    sealed = seal("Lovelace", key, customer_id=ADA, field="last_name")
    with pytest.raises(Unreadable):
        unseal(alter(sealed), key, customer_id=ADA, field="last_name")


def test_unicode_and_empty_values_round_trip() -> None:
    key = new_data_key()
    for value in ["", "Zoë Ångström 山田"]:
        assert unseal(seal(value, key, customer_id=ADA, field="f"), key, customer_id=ADA, field="f") == value


def test_sealed_text_is_marked_encrypted_in_the_json_schema() -> None:
    class Event(BaseModel):
        email: SealedText

    schema = Event.model_json_schema()["properties"]["email"]
    assert schema["x-trainyard-encrypted"] is True
    assert schema["pattern"] == "^tyenc:v1:[A-Za-z0-9_-]+$"
    assert schema["type"] == "string"


def _kek_setting(*ids: str) -> tuple[str, dict[str, bytes]]:
    keys = {i: new_data_key() for i in ids}
    return ",".join(f"{i}:{base64.b64encode(k).decode()}" for i, k in keys.items()), keys


def test_a_wrapped_key_unwraps_with_its_kek_only() -> None:
    data_key, kek, other = new_data_key(), new_data_key(), new_data_key()
    wrapped = wrap(data_key, kek, "k1")
    assert data_key not in wrapped
    assert unwrap(wrapped, kek, "k1") == data_key
    with pytest.raises(Unreadable):
        unwrap(wrapped, other, "k1")
    with pytest.raises(Unreadable):
        unwrap(wrapped, kek, "k2")  # the KEK's id is bound to the wrapped key


def test_the_first_kek_wraps_every_one_unwraps_and_rotation_rewraps() -> None:
    setting, _ = _kek_setting("old")
    old = KeyEncryptionKeys.parse(setting)
    data_key = new_data_key()
    wrapped, kek_id = old.wrap(data_key)
    assert kek_id == "old"

    new_setting, _ = _kek_setting("new")
    rotated = KeyEncryptionKeys.parse(f"{new_setting},{setting}")  # the new one first, the old one behind
    assert rotated.unwrap(wrapped, "old") == data_key
    rewrapped, new_id = rotated.rewrap(wrapped, "old")
    assert new_id == "new"
    assert rotated.unwrap(rewrapped, "new") == data_key
    with pytest.raises(Unreadable):
        KeyEncryptionKeys.parse(new_setting).unwrap(wrapped, "old")  # the old KEK dropped too early


@pytest.mark.parametrize("setting", ["", "nocolon", "k:bm90LTMyLWJ5dGVz", "k:!!!", "a:{k},a:{k}"])
def test_malformed_kek_settings_are_refused(setting: str) -> None:
    key = base64.b64encode(new_data_key()).decode()
    with pytest.raises(ValueError, match="key"):
        KeyEncryptionKeys.parse(setting.format(k=key))


def test_the_development_kek_is_recognised() -> None:
    assert KeyEncryptionKeys.parse(DEVELOPMENT_KEYS_SETTING).development
    assert not KeyEncryptionKeys.parse(_kek_setting("prod")[0]).development


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_key_cache_keeps_keys_for_their_ttl_and_at_most_n() -> None:
    keys = {ADA: new_data_key(), BOB: new_data_key()}
    fetched: list[uuid.UUID] = []

    async def fetch(customer_id: uuid.UUID) -> bytes | None:
        fetched.append(customer_id)
        return keys[customer_id]

    clock = _Clock()
    cache = CustomerKeys(fetch, ttl_seconds=10, max_entries=1, clock=clock)
    assert await cache.get(ADA) == keys[ADA]
    assert await cache.get(ADA) == keys[ADA]
    assert fetched == [ADA]
    clock.now = 11
    await cache.get(ADA)  # expired: fetched again
    assert fetched == [ADA, ADA]
    await cache.get(BOB)  # one entry at most: Ada goes
    await cache.get(ADA)
    assert fetched == [ADA, ADA, BOB, ADA]
    assert len(cache) == 1


async def test_a_destroyed_key_is_remembered_as_destroyed() -> None:
    calls = 0

    async def fetch(customer_id: uuid.UUID) -> bytes | None:
        nonlocal calls
        calls += 1
        return None

    cache = CustomerKeys(fetch)
    for _ in range(2):
        with pytest.raises(KeyDestroyed):
            await cache.get(ADA)
    assert calls == 1

    async def fetch_bob(customer_id: uuid.UUID) -> bytes | None:
        return new_data_key()

    told = CustomerKeys(fetch_bob)
    await told.get(BOB)
    told.destroyed(BOB)  # CustomerErased seen: gone before its TTL
    with pytest.raises(KeyDestroyed):
        await told.get(BOB)


async def test_held_answers_what_get_would_without_fetching() -> None:
    key = new_data_key()

    async def fetch(customer_id: uuid.UUID) -> bytes | None:
        return key if customer_id == ADA else None

    clock = _Clock()
    cache = CustomerKeys(fetch, ttl_seconds=10, clock=clock)
    assert cache.held(ADA) is NOT_HELD
    await cache.get(ADA)
    assert cache.held(ADA) == key
    with pytest.raises(KeyDestroyed):
        await cache.get(BOB)
    assert cache.held(BOB) is None  # destroyed
    clock.now = 11
    assert cache.held(ADA) is NOT_HELD  # too old: get would fetch it again


def test_one_customer_seal_seals_several_fields_as_the_functions_do() -> None:
    key = new_data_key()
    customer = CustomerSeal(key, ADA)
    email, name = customer.seal("ada@example.org", "email"), customer.seal("Ada", "first_name")
    assert unseal(email, key, customer_id=ADA, field="email") == "ada@example.org"
    assert customer.unseal(seal("Ada", key, customer_id=ADA, field="first_name"), "first_name") == "Ada"
    with pytest.raises(Unreadable):
        customer.unseal(name, "last_name")  # the field name is authenticated
    with pytest.raises(Unreadable):
        CustomerSeal(key, BOB).unseal(email, "email")  # and the customer


def test_an_events_fields_are_sealed_together_each_with_a_nonce_of_its_own() -> None:
    key = new_data_key()
    customer = CustomerSeal(key, ADA)
    values = {"email": "ada@example.org", "first_name": "Ada", "last_name": "Ada", "organization": None}

    sealed = customer.seal_fields(values, ("email", "first_name", "last_name", "organization"))

    assert set(sealed) == {"email", "first_name", "last_name"}  # None stays None: nothing to seal
    assert sealed["first_name"] != sealed["last_name"]  # the same text, a different nonce
    assert len({text[len("tyenc:v1:") :][:16] for text in sealed.values()}) == 3
    assert customer.open_fields(sealed, ("email", "first_name", "last_name", "organization")) == {
        "email": "ada@example.org",
        "first_name": "Ada",
        "last_name": "Ada",
    }
    with pytest.raises(Unreadable):
        customer.open_fields({"email": sealed["first_name"]}, ("email",))  # a field moved to another


@pytest.mark.parametrize("body", ["", "A", "A+B/", "AAAA====", "ÄAAA", "AAAA AAAA"])
def test_an_envelope_outside_base64url_is_unreadable_before_any_decryption(body: str) -> None:
    with pytest.raises(Unreadable):
        CustomerSeal(new_data_key(), ADA).unseal("tyenc:v1:" + body, "email")


def test_new_keys_come_wrapped_by_the_first_kek_each_its_own() -> None:
    keks = KeyEncryptionKeys.parse(DEVELOPMENT_KEYS_SETTING)

    made = keks.new_keys(3)

    assert len({key for key, _ in made}) == 3
    for key, wrapped in made:
        assert len(key) == 32
        assert keks.unwrap(wrapped, keks.current_id) == key
    assert made[0][1][:12] != made[1][1][:12]  # a nonce each


async def test_keys_answered_in_a_batch_are_kept_and_a_destroyed_one_stays_destroyed() -> None:
    async def fetch(customer_id: uuid.UUID) -> bytes | None:
        raise AssertionError("everything was remembered: nothing is fetched")

    key = new_data_key()
    cache = CustomerKeys(fetch)
    assert cache.remember(ADA, key) == key
    assert cache.remember(BOB, None) is None
    assert await cache.get(ADA) == key
    with pytest.raises(KeyDestroyed):
        await cache.get(BOB)
    cache.destroyed(ADA)  # erased while a lookup was on its way
    assert cache.remember(ADA, key) is None
    assert cache.held(ADA) is None
