"""Issue 16 over HTTP: inviting to a code seals the invitee's e-mail with the purchaser's key,
asked of customer-account before anything is written. customer-account away: 503 with
Retry-After, nothing written; the purchaser erased (key destroyed): 409 ``customer_erased``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from commerce_access.bootstrap import bootstrap
from commerce_access.settings import Settings
from trainyard_common.privacy.key_source import RemoteCustomerKeys
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.testing.in_process import QUICK_SETTINGS, in_process_service

from .conftest import Commerce

pytestmark = pytest.mark.integration

AWAY = "http://127.0.0.1:9"  # the discard port: nobody answers


@pytest.fixture(scope="module")
async def service(kafka_bootstrap: str, topic_prefix: str, pg_url: str) -> AsyncIterator[tuple[Commerce, FastAPI]]:
    apps: list[FastAPI] = []

    def built(settings: Settings, *, name: str) -> tuple[ServiceRuntime[Any], FastAPI]:
        runtime, app = bootstrap(settings, name=name)
        apps.append(app)
        return runtime, app

    def settings(database_url: str) -> Settings:
        return Settings(
            kafka_bootstrap=kafka_bootstrap,
            database_url=database_url,
            topic_prefix=topic_prefix,
            customer_account_url=AWAY,
            **QUICK_SETTINGS,
        )

    async with in_process_service(
        Commerce,
        bootstrap=built,
        settings=settings,
        name="commerce-access",
        pg_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=topic_prefix,
    ) as commerce:
        yield commerce, apps[0]


async def a_code(commerce: Commerce) -> tuple[uuid.UUID, str]:
    purchaser = uuid.uuid4()
    price_id = (await commerce.product(access_days=30))["prices"][0]["price_id"]
    bought = await commerce.buy(purchaser, price_id, quantity=2)
    assert bought.status_code == 201, bought.text
    return purchaser, bought.json()["registration_codes"][0]


def invite(commerce: Commerce, purchaser: uuid.UUID, code: str) -> Any:
    return commerce.http.post(
        f"/v1/learners/{purchaser}/registration-codes/{code}/invitation", json={"email": "grace@example.com"}
    )


async def test_customer_account_away_is_503_with_retry_after_and_nothing_written(
    service: tuple[Commerce, FastAPI],
) -> None:
    commerce, _ = service
    purchaser, code = await a_code(commerce)

    refused = await invite(commerce, purchaser, code)

    assert (refused.status_code, refused.json()["error"]["code"]) == (503, "service_unavailable"), refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert await commerce.count("code_invitations") == 0


async def test_an_erased_purchaser_is_refused_409(service: tuple[Commerce, FastAPI]) -> None:
    commerce, app = service
    purchaser, code = await a_code(commerce)

    def customer_account(request: httpx.Request) -> httpx.Response:  # answers: this key is destroyed
        assert request.url.path == "/v1/customer-keys/lookup"
        return httpx.Response(200, json={"keys": {}, "destroyed": [str(purchaser)], "unknown": []})

    keys = app.state.purchaser_keys.source  # the service's ServiceCustomerKeys
    running = keys.remote
    async with httpx.AsyncClient(transport=httpx.MockTransport(customer_account), base_url="http://ca") as client:
        keys.remote = RemoteCustomerKeys(client)
        try:
            refused = await invite(commerce, purchaser, code)
        finally:
            keys.remote = running

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "customer_erased"), refused.text
    assert await commerce.count("code_invitations") == 0
