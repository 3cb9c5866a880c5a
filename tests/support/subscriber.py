"""An outside subscriber, as docs/subscribing.md tells another team to be one: an LMS integration
holding ``personal-data:read`` that asks the gateway for customer keys, a plain aiokafka consumer
reading every topic of a prefix from the earliest offsets, and the ``cryptography`` package alone to
open sealed fields (no Trainyard code on that side)."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ADMIN = "/api/v1/admin"
KEYS = "/api/v1/integrations/customer-keys"
SEALED_PREFIX = "tyenc:v1:"
SCHEMAS = Path(__file__).resolve().parents[2] / "libs" / "common" / "schemas"
"""The committed JSON Schemas: what another team reads to know which fields are personal."""


def integration_bearer(admin: httpx.Client, public: httpx.Client, scopes: list[str]) -> dict[str, str]:
    """A new LMS integration with ``scopes``, signed in by client credentials: its Authorization header."""
    created = admin.post(f"{ADMIN}/integrations", json={"name": f"subscriber-{secrets.token_hex(4)}", "scopes": scopes})
    assert created.status_code == 201, created.text
    grant = {
        "grant_type": "client_credentials",
        "client_id": created.json()["client_id"],
        "client_secret": created.json()["client_secret"],
    }
    token = public.post("/api/v1/auth/token", data=grant)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def customer_keys(public: httpx.Client, bearer: dict[str, str], customer_ids: list[str]) -> dict[str, Any]:
    """The gateway's answer: ``keys`` (id → 32 bytes), ``destroyed`` and ``unknown`` ids."""
    got = public.post(KEYS, json={"customer_ids": customer_ids}, headers=bearer)
    assert got.status_code == 200, got.text
    answer = dict(got.json())
    answer["keys"] = {customer_id: _b64url(text) for customer_id, text in answer["keys"].items()}
    return answer


def unseal(text: str, key: bytes, customer_id: str, field: str) -> str:
    """docs/subscribing.md's recipe: 'tyenc:v1:' + base64url(nonce 12 || ciphertext || tag 16),
    AES-256-GCM, associated data b'trainyard|' + the customer id's 16 bytes + b'|' + the field name."""
    raw = _b64url(text.removeprefix(SEALED_PREFIX))
    associated = b"trainyard|" + uuid.UUID(customer_id).bytes + b"|" + field.encode()
    return AESGCM(key).decrypt(raw[:12], raw[12:], associated).decode()


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def personal_fields(topic: str) -> set[str]:
    """The top-level fields of a topic's schema (``UserRegistered.v2``, or a dead-letter topic's
    original) marked personal: sealed (``x-trainyard-encrypted``) or to be blanked in a deprecated
    version 1 (``x-trainyard-personal``)."""
    schema = json.loads((SCHEMAS / f"{topic.removesuffix('.DLQ')}.json").read_text())
    return {
        name
        for name, spec in schema["properties"].items()
        if spec.get("x-trainyard-encrypted") or spec.get("x-trainyard-personal")
    }


def has_schema(topic: str) -> bool:
    return (SCHEMAS / f"{topic.removesuffix('.DLQ')}.json").is_file()


@dataclass(frozen=True, slots=True)
class Seen:
    """One record as a plain consumer got it."""

    topic: str  # without the run's prefix
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def raw(self) -> bytes:
        """Every byte a subscriber receives: key, value, header names and values."""
        parts = [self.key or b"", self.value or b""]
        parts += [name.encode() + b"=" + (value or b"") for name, value in self.headers]
        return b"\n".join(parts)


def every_record(bootstrap: str, prefix: str, only: Callable[[str], bool] | None = None) -> list[Seen]:
    """Every record of every topic whose name starts with ``prefix`` (dead-letter topics included;
    ``only``: those whose name passes), from the earliest offset to the end as it is now, read by a
    plain consumer without a group."""
    return asyncio.run(_every_record(bootstrap, prefix, only or (lambda _: True)))


async def _every_record(bootstrap: str, prefix: str, only: Callable[[str], bool]) -> list[Seen]:
    partitions = await _partitions(bootstrap, prefix, only)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        left = {tp for tp in partitions if ends[tp] > 0}
        seen: list[Seen] = []
        while left:
            batch = await consumer.getmany(*left, timeout_ms=500, max_records=10_000)
            for tp, records in batch.items():
                seen += [
                    Seen(r.topic.removeprefix(prefix), r.key, r.value, tuple(r.headers))
                    for r in records
                    if r.offset < ends[tp]
                ]
            left = {tp for tp in left if await consumer.position(tp) < ends[tp]}
        return seen
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, prefix: str, only: Callable[[str], bool]) -> list[TopicPartition]:
    """Every partition of the topics named ``prefix…`` that pass ``only`` (one admin client for all)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="outside-subscriber")
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith(prefix) and only(t))
        described = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    return [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if not d.get("error_code")
        for p in d.get("partitions", [])
    ]


def readable_forms(values: Iterable[str]) -> dict[bytes, str]:
    """Each value as a subscriber could find it in clear in a record: as it is, lower- and
    upper-case, JSON-escaped, and base64 (standard and URL-safe, at each of the three alignments a
    value can have inside a longer encoded text; the edge characters that depend on the
    neighbouring bytes are left out)."""
    forms: dict[bytes, str] = {}
    for value in (v for v in values if v):
        for text in {value, value.lower(), value.upper(), json.dumps(value)[1:-1]}:
            forms[text.encode()] = value
        raw = value.encode()
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                encoded = encode(b"\0" * shift + raw)
                start = 4 if shift else 0  # the first group mixes in the bytes before the value
                end = len(encoded) - (4 if (shift + len(raw)) % 3 else 0)  # skip the partial last group
                if end - start >= 8:
                    forms[encoded[start:end]] = value
    return forms
