"""Issue 16: a consumer gets the keys of a whole batch with one call to customer-account's lookup,
signed as itself, and keeps them (TTL; a destroyed key for good). customer-account is faked, served
over real HTTP, behind the real service-auth middleware (only the key routes open to services)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import ValidationError

from trainyard_common.api.customers import CustomerKeyLookup
from trainyard_common.http.service_auth import caller
from trainyard_common.http.service_client import service_client
from trainyard_common.privacy.key_source import KeysUnavailable, RemoteCustomerKeys, UnknownCustomers
from trainyard_common.privacy.keyring import KeyDestroyed
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.served import served

KEY = "s" * 40
NOWHERE = "postgresql://nobody:none@127.0.0.1:9/none"  # never connected to
ALIVE, ERASED, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OTHER = uuid.uuid4()
KEYS = {ALIVE: b"a" * 32, OTHER: b"o" * 32}


class FakeCustomerAccount:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.callers: list[str | None] = []

    def app(self) -> FastAPI:
        router = APIRouter(prefix="/v1")

        @router.post("/customer-keys/lookup")
        async def lookup(request: Request) -> dict[str, Any]:
            ids = [uuid.UUID(i) for i in (await request.json())["customer_ids"]]
            self.asked.append(sorted(map(str, ids)))
            self.callers.append(caller(request).service)
            return {
                "keys": {str(i): _text(KEYS[i]) for i in ids if i in KEYS},
                "destroyed": [str(i) for i in ids if i == ERASED],
                "unknown": [str(i) for i in ids if i not in KEYS and i != ERASED],
            }

        settings = ServiceSettings(database_url=NOWHERE, service_auth_keys=KEY)  # type: ignore[arg-type]
        runtime = ServiceRuntime(settings, name="customer-account", migrations_dir=None)
        runtime.service_paths = re.compile(r"^/v1/customer-keys/[^/]+$")
        return runtime.http_app(router, title="fake customer-account")


def _text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeCustomerAccount, str]]:
    account = FakeCustomerAccount()
    async with served(account.app()) as url:
        yield account, url


async def test_a_batch_asks_once_and_then_comes_from_the_cache(fake: tuple[FakeCustomerAccount, str]) -> None:
    account, url = fake
    now = [0.0]
    async with service_client(url, service="client-directory", key=KEY) as client:
        keys = RemoteCustomerKeys(client, ttl_seconds=300, clock=lambda: now[0])
        found = await keys.keys_for([ALIVE, ERASED, ALIVE, OTHER])
        assert found == {ALIVE: KEYS[ALIVE], ERASED: None, OTHER: KEYS[OTHER]}
        assert account.asked == [sorted(map(str, {ALIVE, ERASED, OTHER}))]  # one call for the batch
        assert account.callers == ["client-directory"]

        assert await keys.keys_for([ALIVE, ERASED, OTHER]) == found
        assert len(account.asked) == 1  # all cached
        with pytest.raises(KeyDestroyed):
            await keys.get(ERASED)

        now[0] = 301.0  # the keys expire; the destroyed one is remembered
        assert await keys.keys_for([ALIVE, ERASED]) == {ALIVE: KEYS[ALIVE], ERASED: None}
        assert account.asked[1:] == [[str(ALIVE)]]

        keys.destroyed(OTHER)  # CustomerErased seen: forgotten before the TTL
        assert (await keys.keys_for([OTHER]))[OTHER] is None
        assert len(account.asked) == 2


async def test_an_unknown_customer_fails_the_batch(fake: tuple[FakeCustomerAccount, str]) -> None:
    _, url = fake
    async with service_client(url, service="client-directory", key=KEY) as client:
        keys = RemoteCustomerKeys(client)
        with pytest.raises(UnknownCustomers) as unknown:
            await keys.keys_for([ALIVE, STRANGER])
        assert unknown.value.customer_ids == [STRANGER]
        assert len(keys.cache) == 0


async def test_built_from_the_settings(fake: tuple[FakeCustomerAccount, str]) -> None:
    account, url = fake
    settings = ServiceSettings(
        database_url=NOWHERE,
        service_auth_keys=KEY,  # type: ignore[arg-type]
        customer_account_url=url,
        customer_key_cache_seconds=60,
    )
    async with RemoteCustomerKeys.of(settings, service="training-progress") as keys:
        assert await keys.keys_for([ALIVE]) == {ALIVE: KEYS[ALIVE]}
    assert account.callers == ["training-progress"]


def test_the_settings_default_to_customer_account_on_its_port() -> None:
    settings = ServiceSettings(database_url=NOWHERE)
    assert settings.customer_account_url == "http://127.0.0.1:8002"
    assert settings.customer_key_cache_seconds == 300.0


async def test_a_wrong_key_is_refused_by_customer_account(fake: tuple[FakeCustomerAccount, str]) -> None:
    _, url = fake
    async with service_client(url, service="client-directory", key="w" * 40) as client:
        reply = await client.post("/v1/customer-keys/lookup", json={"customer_ids": [str(ALIVE)]})
    assert reply.status_code == 401
    assert isinstance(reply, httpx.Response)


async def test_an_outage_or_a_refusal_raises_keys_unavailable_and_caches_nothing() -> None:
    async def refusing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": {"code": "unavailable", "message": "down"}})

    async with httpx.AsyncClient(base_url="http://ca", transport=httpx.MockTransport(refusing)) as client:
        keys = RemoteCustomerKeys(client)
        with pytest.raises(KeysUnavailable, match="503"):
            await keys.keys_for([ALIVE])
        assert len(keys.cache) == 0
    async with service_client("http://127.0.0.1:9", service="client-directory", key=KEY) as unreachable:
        with pytest.raises(KeysUnavailable, match="unreachable"):
            await RemoteCustomerKeys(unreachable).keys_for([ALIVE])


def test_a_lookup_asks_for_at_most_a_thousand_customers() -> None:
    CustomerKeyLookup(customer_ids=[uuid.uuid4() for _ in range(1000)])
    with pytest.raises(ValidationError):
        CustomerKeyLookup(customer_ids=[uuid.uuid4() for _ in range(1001)])
    with pytest.raises(ValidationError):
        CustomerKeyLookup(customer_ids=[])
