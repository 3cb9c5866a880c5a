"""Issue 16, item 1: ``UserRegistered.v2`` as an outside subscriber reads it, with a plain Kafka consumer:
the personal fields are in no readable form, the rest is; the customer's key (customer-account's
``GET /v1/customer-keys/{id}``) opens them, following docs/subscribing.md (no Trainyard code)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trainyard_common.testing.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def _unseal(text: str, key: bytes, customer_id: str, field: str) -> str:
    """As docs/subscribing.md tells other teams: 'tyenc:v1:' + base64url(nonce 12 || ciphertext || tag 16),
    AES-256-GCM, associated data b'trainyard|' + the customer id's 16 bytes + b'|' + the field name."""
    assert text.startswith("tyenc:v1:")
    body = text.removeprefix("tyenc:v1:")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    associated = b"trainyard|" + uuid.UUID(customer_id).bytes + b"|" + field.encode()
    return AESGCM(key).decrypt(raw[:12], raw[12:], associated).decode()


async def _record(bootstrap: str, topic: str, key: str, timeout: float = 60) -> Any:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == key.encode():
                        return record
        raise AssertionError(f"no record keyed {key} on {topic}")
    finally:
        await consumer.stop()


def test_an_outside_subscriber_reads_user_registered_v2_sealed_and_opens_it_with_the_key(
    system: System, public: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:10]
    email = f"sealed-{tag}@subscriber.example"
    registered = public.post(
        "/api/v1/learner/register",
        json={"email": email, "first_name": "Sealed", "last_name": f"Ln{tag}", "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    customer_id = registered.json()["id"]

    record = asyncio.run(_record(system.kafka_bootstrap, f"{system.topic_prefix}UserRegistered.v2", customer_id))
    raw = record.value + b"".join(value for _, value in record.headers)
    for clear in (email, tag, "Sealed"):
        assert clear.encode() not in raw, clear
    payload = json.loads(record.value)
    assert payload["customer_id"] == customer_id
    assert payload["registered_at"]
    assert payload["source"] == "self_registration"

    with system.customer_account.signed() as service:
        served = service.get(f"/v1/customer-keys/{customer_id}")
    assert served.status_code == 200, served.text
    encoded = served.json()["key"]
    key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    assert _unseal(payload["email"], key, customer_id, "email") == email
    assert _unseal(payload["last_name"], key, customer_id, "last_name") == f"Ln{tag}"
    with pytest.raises(Exception):  # noqa: B017,PT011 (InvalidTag: the AD binds the field name)
        _unseal(payload["email"], key, customer_id, "first_name")

    v1 = asyncio.run(_record(system.kafka_bootstrap, f"{system.topic_prefix}UserRegistered", customer_id))
    assert json.loads(v1.value)["email"] == ""  # version 1 is deprecated: its personal fields are empty
