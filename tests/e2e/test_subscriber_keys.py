"""Issue 16: outside subscribers and services obtain customer keys.

An LMS integration with the `personal-data:read` scope gets a registered customer's key through the
gateway (audited under its name, with no key in the entry); after the erasure the same call lists
the customer as destroyed; an integration without the scope, and an admin, are refused. A
service's own call (signed as itself) gets keys from the real customer-account process, and only
keys."""

from __future__ import annotations

import asyncio
import base64
import secrets
import uuid

import httpx
import pytest

from trainyard_common.http.service_client import service_client
from trainyard_common.privacy.key_source import RemoteCustomerKeys, UnknownCustomers
from trainyard_common.testing.service_auth import RUN_SERVICE_KEY
from trainyard_common.testing.system import System

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
TOKEN = "/api/v1/auth/token"
KEYS = "/api/v1/integrations/customer-keys"
PASSWORD = "correct horse battery"


def _integration(admin: httpx.Client, public: httpx.Client, scopes: list[str]) -> tuple[str, dict[str, str]]:
    name = f"subscriber-{secrets.token_hex(4)}"
    created = admin.post(f"{ADMIN}/integrations", json={"name": name, "scopes": scopes})
    assert created.status_code == 201, created.text
    grant = {
        "grant_type": "client_credentials",
        "client_id": created.json()["client_id"],
        "client_secret": created.json()["client_secret"],
    }
    token = public.post(TOKEN, data=grant)
    assert token.status_code == 200, token.text
    return name, {"Authorization": f"Bearer {token.json()['access_token']}"}


def _register(public: httpx.Client) -> str:
    tag = uuid.uuid4().hex[:10]
    registered = public.post(
        "/api/v1/learner/register",
        json={"email": f"sub-{tag}@keys.example", "first_name": "Sub", "last_name": tag, "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    return str(registered.json()["id"])


def _key(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_subscriber_with_the_scope_gets_keys_until_the_erasure(
    system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    name, bearer = _integration(admin, public, ["personal-data:read"])
    customer_id = _register(public)
    stranger = str(uuid.uuid4())

    got = public.post(KEYS, json={"customer_ids": [customer_id, stranger]}, headers=bearer)
    assert got.status_code == 200, got.text
    assert got.json()["destroyed"] == []
    assert got.json()["unknown"] == [stranger]
    key = got.json()["keys"][customer_id]
    assert len(_key(key)) == 32
    with system.customer_account.signed() as service:  # the very key customer-account holds
        assert service.get(f"/v1/customer-keys/{customer_id}").json()["key"] == key

    audit = admin.get(f"{ADMIN}/audit-log", params={"actor": f"integration:{name}"})
    assert audit.status_code == 200, audit.text
    [entry] = [e for e in audit.json()["items"] if e["action"] == f"POST {KEYS}"]
    assert entry["outcome"] == "success"
    assert customer_id in entry["target"]
    assert key not in audit.text

    inactive = admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"})
    assert inactive.status_code in (200, 204), inactive.text
    erased = admin.post(f"{ADMIN}/customers/{customer_id}/erasure")
    assert erased.status_code == 202, erased.text

    after = public.post(KEYS, json={"customer_ids": [customer_id]}, headers=bearer)
    assert after.status_code == 200, after.text
    assert after.json() == {"keys": {}, "destroyed": [customer_id], "unknown": []}


def test_without_the_scope_or_as_an_admin_the_keys_are_refused(
    system: System, admin: httpx.Client, public: httpx.Client
) -> None:
    customer_id = _register(public)
    name, bearer = _integration(admin, public, ["customers:read"])

    refused = public.post(KEYS, json={"customer_ids": [customer_id]}, headers=bearer)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "insufficient_scope"
    as_admin = admin.post(KEYS, json={"customer_ids": [customer_id]})
    assert as_admin.status_code == 403, as_admin.text
    assert as_admin.json()["error"]["code"] == "integration_only"
    assert public.post(KEYS, json={"customer_ids": [customer_id]}).status_code == 401

    audit = admin.get(f"{ADMIN}/audit-log", params={"actor": f"integration:{name}"}).json()["items"]
    assert [(e["action"], e["outcome"]) for e in audit] == [(f"POST {KEYS}", "denied")]


def test_a_service_gets_a_batch_of_keys_from_customer_account_and_nothing_else(
    system: System, public: httpx.Client
) -> None:
    ada, bob = _register(public), _register(public)
    service_key = system.customer_account.env.get("TRAINYARD_SERVICE_AUTH_KEYS", RUN_SERVICE_KEY).split(",")[0]

    async def scenario() -> None:
        async with service_client(system.customer_account.url, service="training-progress", key=service_key) as client:
            keys = RemoteCustomerKeys(client)
            found = await keys.keys_for([uuid.UUID(ada), uuid.UUID(bob)])
            assert {len(key or b"") for key in found.values()} == {32}
            assert keys.lookups == 1  # the whole batch in one call
            assert await keys.keys_for([uuid.UUID(ada)]) == {uuid.UUID(ada): found[uuid.UUID(ada)]}
            assert keys.lookups == 1
            with pytest.raises(UnknownCustomers):
                await keys.keys_for([uuid.uuid4()])
            single = await client.get(f"/v1/customer-keys/{ada}")
            assert single.status_code == 200, single.text
            other = await client.get(f"/v1/customers/{ada}")  # anything but keys: refused
            assert other.status_code == 403, other.text
            assert other.json()["error"]["code"] == "service_not_allowed"

    asyncio.run(scenario())
