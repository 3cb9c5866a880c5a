"""Issue 15 item 10: a service's /v1 API trusts only the gateway's signed token — not headers.

Checked against the code as found: a service app then answered any /v1 call without a token
(200) and took the actor from ``X-Actor-Admin`` as sent.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from httpx import ASGITransport

from trainyard_common.http.errors import install_error_handlers
from trainyard_common.http.health import health_router, metrics_app
from trainyard_common.http.service_auth import (
    SERVICE_TOKEN_HEADER,
    Caller,
    InvalidServiceToken,
    caller,
    sign,
    verify,
)
from trainyard_common.http.service_client import service_client
from trainyard_common.runtime import ServiceRuntime
from trainyard_common.settings import ServiceSettings

KEY = "k" * 40
OLD_KEY = "o" * 40
NOWHERE = "postgresql://nobody:none@127.0.0.1:9/none"  # never connected to


def test_a_token_is_verified_for_its_method_and_path_only() -> None:
    token = sign(KEY, method="POST", path="/v1/customers", caller=Caller(admin="ada"), ttl_seconds=30)
    assert verify(token, [KEY], method="POST", path="/v1/customers") == Caller(admin="ada")
    with pytest.raises(InvalidServiceToken):
        verify(token, [KEY], method="DELETE", path="/v1/customers")
    with pytest.raises(InvalidServiceToken):
        verify(token, [KEY], method="POST", path="/v1/customers/1")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "no-dot",
        ".",
        "abc.def",
        "é.é",
        sign("another key of forty characters........", method="GET", path="/v1/x", caller=Caller(), ttl_seconds=30),
    ],
)
def test_a_forged_or_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(InvalidServiceToken):
        verify(token, [KEY], method="GET", path="/v1/x")


def test_an_expired_token_is_refused() -> None:
    token = sign(KEY, method="GET", path="/v1/x", caller=Caller(), ttl_seconds=30, now=time.time() - 60)
    with pytest.raises(InvalidServiceToken, match="expired"):
        verify(token, [KEY], method="GET", path="/v1/x")


def test_rotation_accepts_every_listed_key() -> None:
    old = sign(OLD_KEY, method="GET", path="/v1/x", caller=Caller(admin="ada"), ttl_seconds=30)
    assert verify(old, [KEY, OLD_KEY], method="GET", path="/v1/x").admin == "ada"
    with pytest.raises(InvalidServiceToken):
        verify(old, [KEY], method="GET", path="/v1/x")


def tampered(token: str) -> str:
    payload, _, signature = token.partition(".")
    return f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"


def test_changed_claims_break_the_signature() -> None:
    token = sign(KEY, method="GET", path="/v1/x", caller=Caller(admin="ada"), ttl_seconds=30)
    with pytest.raises(InvalidServiceToken):
        verify(tampered(token), [KEY], method="GET", path="/v1/x")


# --- a service app: every /v1 route behind the middleware -----------------------------------


def service_app() -> FastAPI:
    """What ``ServiceRuntime.http_app`` builds, with a few routes of each kind."""
    router = APIRouter(prefix="/v1")

    @router.post("/customers")
    async def admin_action(request: Request) -> dict[str, Any]:
        found = caller(request)
        return {"admin": found.admin, "header": request.headers.get("X-Actor-Admin")}

    @router.get("/learners/{customer_id}/profile")
    async def learner_action(customer_id: str, request: Request) -> dict[str, Any]:
        return {"customer_id": customer_id, "impersonated_by": caller(request).impersonated_by}

    @router.post("/sessions")
    async def sign_in() -> dict[str, str]:
        return {"ok": "yes"}

    settings = ServiceSettings(database_url=NOWHERE, service_auth_keys=KEY)  # type: ignore[arg-type]
    runtime = ServiceRuntime(settings, name="svc", migrations_dir=None)
    return runtime.http_app(router, title="svc")


async def call(
    method: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=service_app(), raise_app_exceptions=False)
    sent = {**(headers or {}), **({SERVICE_TOKEN_HEADER: token} if token is not None else {})}
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.request(method, path, headers=sent)


def token_for(method: str, path: str, caller: Caller, key: str = KEY, ttl: float = 30, now: float | None = None) -> str:
    return sign(key, method=method, path=path, caller=caller, ttl_seconds=ttl, now=now)


async def test_a_v1_call_without_a_token_is_401_even_with_actor_headers() -> None:
    reply = await call("POST", "/v1/customers", headers={"X-Actor-Admin": "mallory"})
    assert reply.status_code == 401, reply.text
    assert reply.json()["error"]["code"] == "service_token_required"
    assert "x-request-id" in reply.headers


async def test_a_forged_or_expired_token_is_401() -> None:
    forged = token_for("POST", "/v1/customers", Caller(admin="mallory"), key="f" * 40)
    expired = token_for("POST", "/v1/customers", Caller(admin="ada"), now=time.time() - 120)
    for token in (forged, expired, tampered(token_for("POST", "/v1/customers", Caller(admin="ada"))), "garbage"):
        reply = await call("POST", "/v1/customers", token=token)
        assert reply.status_code == 401, reply.text
        assert reply.json()["error"]["code"] == "invalid_service_token"


async def test_a_token_for_another_path_is_401() -> None:
    reply = await call("POST", "/v1/customers", token=token_for("POST", "/v1/sessions", Caller(admin="ada")))
    assert reply.status_code == 401


async def test_the_actor_comes_from_the_token_never_from_headers() -> None:
    token = token_for("POST", "/v1/customers", Caller(admin="ada"))
    reply = await call("POST", "/v1/customers", token=token, headers={"X-Actor-Admin": "mallory"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["admin"] == "ada"


async def test_an_admin_route_with_a_learners_claims_is_refused() -> None:
    learner = Caller(customer_id="c-1", impersonated_by=None)
    reply = await call("POST", "/v1/customers", token=token_for("POST", "/v1/customers", learner))
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"]["code"] == "admin_required"
    anonymous = await call("POST", "/v1/customers", token=token_for("POST", "/v1/customers", Caller()))
    assert anonymous.status_code == 403


async def test_a_learner_reaches_their_own_routes_only() -> None:
    own = token_for("GET", "/v1/learners/c-1/profile", Caller(customer_id="c-1", impersonated_by="grace"))
    reply = await call("GET", "/v1/learners/c-1/profile", token=own)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"customer_id": "c-1", "impersonated_by": "grace"}
    other = token_for("GET", "/v1/learners/c-2/profile", Caller(customer_id="c-1"))
    assert (await call("GET", "/v1/learners/c-2/profile", token=other)).status_code == 403


async def test_public_calls_need_a_token_but_no_actor() -> None:
    assert (await call("POST", "/v1/sessions")).status_code == 401
    assert (await call("POST", "/v1/sessions", token=token_for("POST", "/v1/sessions", Caller()))).status_code == 200


async def test_health_stays_open_and_metrics_is_not_on_the_api_port() -> None:
    assert (await call("GET", "/healthz")).status_code == 200
    assert (await call("GET", "/metrics")).status_code == 404
    transport = httpx.ASGITransport(app=metrics_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc-metrics") as client:
        metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert "trainyard_http_requests_total" in metrics.text


def test_the_health_router_alone_serves_no_metrics() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(health_router({}))
    assert "/metrics" not in {getattr(r, "path", "") for r in app.routes}


def test_production_refuses_the_development_key_and_short_keys() -> None:
    with pytest.raises(ValueError, match="SERVICE_AUTH_KEYS"):
        ServiceSettings(database_url=NOWHERE, environment="production")
    with pytest.raises(ValueError, match="SERVICE_AUTH_KEYS"):
        ServiceSettings(database_url=NOWHERE, environment="production", service_auth_keys="short")
    settings = ServiceSettings(database_url=NOWHERE, environment="production", service_auth_keys=f"{KEY},{OLD_KEY}")
    assert settings.service_keys == [KEY, OLD_KEY]


# --- issue 16: the services' own calls (claim `svc`), reaching only the paths opened to them ---


def service_paths_app(service_paths: re.Pattern[str] | None) -> FastAPI:
    router = APIRouter(prefix="/v1")

    @router.post("/customer-keys/lookup")
    async def keys(request: Request) -> dict[str, Any]:
        found = caller(request)
        return {"service": found.service, "admin": found.admin}

    @router.post("/customers")
    async def admin_action(request: Request) -> dict[str, Any]:
        return {"admin": caller(request).admin}

    settings = ServiceSettings(database_url=NOWHERE, service_auth_keys=KEY)  # type: ignore[arg-type]
    runtime = ServiceRuntime(settings, name="svc", migrations_dir=None)
    if service_paths is not None:
        runtime.service_paths = service_paths
    return runtime.http_app(router, title="svc")


def test_the_service_claim_is_signed_and_verified() -> None:
    token = sign(KEY, method="GET", path="/v1/x", caller=Caller(service="training-progress"), ttl_seconds=30)
    assert verify(token, [KEY], method="GET", path="/v1/x") == Caller(service="training-progress")


async def test_a_service_call_reaches_only_the_paths_opened_to_services() -> None:
    app = service_paths_app(re.compile(r"^/v1/customer-keys/lookup$"))
    async with service_client("http://svc", service="client-directory", key=KEY, transport=ASGITransport(app)) as svc:
        opened = await svc.post("/v1/customer-keys/lookup")
        assert opened.status_code == 200, opened.text
        assert opened.json() == {"service": "client-directory", "admin": None}
        closed = await svc.post("/v1/customers")
        assert closed.status_code == 403, closed.text
        assert closed.json()["error"]["code"] == "service_not_allowed"
    async with service_client("http://svc", service="svc", key="f" * 40, transport=ASGITransport(app)) as forged:
        assert (await forged.post("/v1/customer-keys/lookup")).status_code == 401


async def test_by_default_no_path_is_open_to_services() -> None:
    app = service_paths_app(None)
    async with service_client("http://svc", service="client-directory", key=KEY, transport=ASGITransport(app)) as svc:
        for path in ("/v1/customer-keys/lookup", "/v1/customers"):
            refused = await svc.post(path)
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "service_not_allowed"


def test_a_service_client_needs_a_service_name() -> None:
    with pytest.raises(ValueError, match="names its service"):
        service_client("http://svc", service="", key=KEY)
