"""Fixtures for the gateway's integration tests: a real PostgreSQL database per test module,
the gateway app run in-process (its lifespan included), and a small fake of the services'
internal HTTP APIs served by uvicorn on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from trainyard_common.testing.databases import create_database, drop_database
from trainyard_common.testing.processes import free_port
from trainyard_common.testing.served import served

ADMIN_USERNAME = "root-admin"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
SLOW_CLIENT_ID = uuid.UUID(int=7)
SLOW_SECONDS = 6.0  # well past the tests' service timeout


# ---- the services behind the gateway, faked at their HTTP API --------------------------------


@dataclass
class FakeServices:
    """Answers like client-directory and customer-account do, and remembers what it was sent."""

    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)
    slow_client_id: uuid.UUID = SLOW_CLIENT_ID  # GET /v1/clients/{this} answers after SLOW_SECONDS

    def last(self, path: str) -> dict[str, Any]:
        return next(r for r in reversed(self.seen) if r["path"] == path)


def _error(status: int, code: str, message: str, field_name: str, reason: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": [{"field": field_name, "reason": reason}]}}
    return JSONResponse(body, status_code=status)


def fake_services_app(fake: FakeServices) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def remember(request: Request, call_next: Callable[[Request], Any]) -> Any:
        body = await request.body()
        fake.seen.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": dict(request.query_params),
                "headers": dict(request.headers),
                "json": json.loads(body) if body else None,
            }
        )
        return await call_next(request)

    @app.get("/v1/industries")
    async def industries() -> JSONResponse:
        return JSONResponse({"items": ["Education", "Technology"]})

    @app.post("/v1/clients")
    async def create_client(request: Request) -> JSONResponse:
        body = await request.json()
        if body["name"] == "Taken":
            return _error(409, "conflict", "name taken", "name", "an active client already has this name")
        created = {"id": str(uuid.uuid4()), "active": True, "created_at": datetime.now(UTC).isoformat(), **body}
        return JSONResponse(created, status_code=201)

    @app.get("/v1/clients")
    async def list_clients(request: Request) -> JSONResponse:
        return JSONResponse({"items": [], "total": 0, "echo": dict(request.query_params)})

    @app.get("/v1/clients/{client_id}")
    async def get_client(client_id: uuid.UUID) -> JSONResponse:
        if client_id == SLOW_CLIENT_ID:
            await asyncio.sleep(SLOW_SECONDS)
        return _error(404, "not_found", "No such client.", "id", "unknown")

    @app.get("/v1/clients/{client_id}/learners")
    async def learners(client_id: uuid.UUID, request: Request) -> JSONResponse:
        return JSONResponse({"items": [], "total": 0, "echo": dict(request.query_params)})

    @app.post("/v1/registrations")
    async def register(request: Request) -> JSONResponse:
        body = await request.json()
        if body["email"].startswith("taken@"):
            return _error(
                409, "email_taken", "This e-mail address is already registered.", "email", "already registered"
            )
        if body["email"].startswith("busy@"):  # what it depends on is away: try again in 7 s
            busy = _error(503, "unavailable", "Try again shortly.", "email", "not now")
            busy.headers["Retry-After"] = "7"
            return busy
        customer = {k: body.get(k) for k in ("first_name", "last_name", "email", "organization")}
        now = datetime.now(UTC).isoformat()
        return JSONResponse({"id": str(uuid.uuid4()), **customer, "status": "active", "created_at": now}, 201)

    return app


@pytest.fixture(scope="module")
async def fake_services() -> AsyncIterator[FakeServices]:
    fake = FakeServices()
    async with served(fake_services_app(fake)) as url:
        fake.url = url
        yield fake


# ---- the gateway ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A throwaway database for this module; the gateway migrates it at start-up."""
    server_url = os.environ.get("TRAINYARD_PG_URL") or request.getfixturevalue("pg_url")
    url = create_database(server_url, "gw_test")
    yield url
    drop_database(url)


def gateway_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "kafka_bootstrap": f"127.0.0.1:{free_port()}",  # no broker: the gateway must not need one
        "admin_username": ADMIN_USERNAME,
        "admin_password": ADMIN_PASSWORD,
        # Short enough for the slow fake's test, long enough for a fake's answer on a loaded machine
        # (make test runs three pytest runs side by side on two cores).
        "service_timeout_seconds": 3.0,
        **overrides,
    }
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in-process, start-up and shut-down included, behind an httpx client."""
    _, app = bootstrap(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client


@pytest.fixture(scope="module")
async def gateway(database_url: str, fake_services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        database_url,
        client_directory_url=fake_services.url,
        customer_account_url=fake_services.url,
    )
    async with running_gateway(settings) as client:
        yield client


async def _sign_in(gateway: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await gateway.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def sign_in() -> Callable[[httpx.AsyncClient, str, str], Any]:
    """``await sign_in(gateway, username, password)`` → the Authorization header of a fresh token."""
    return _sign_in


@pytest.fixture(scope="session")
def first_admin() -> tuple[str, str]:
    """Username and password of the admin the gateway creates at start-up."""
    return ADMIN_USERNAME, ADMIN_PASSWORD


@pytest.fixture(scope="session")
def start_gateway() -> Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with start_gateway(database_url, **settings) as client``: another gateway instance."""

    def start(database_url: str, **overrides: Any) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        return running_gateway(gateway_settings(database_url, **overrides))

    return start


@pytest.fixture(scope="module")
async def admin(gateway: httpx.AsyncClient) -> dict[str, str]:
    """Authorization header of the first admin."""
    return await _sign_in(gateway, ADMIN_USERNAME, ADMIN_PASSWORD)
