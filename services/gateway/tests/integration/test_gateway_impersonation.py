"""Issue 15, item 9 at the gateway: an impersonation lives no longer than the admin's own token
(sign-out, revocation by disabling the admin), and its audit entry targets the customer.

customer-account is faked at its HTTP API: it keeps the admin token hash the gateway sends with
the impersonation and hands it back at every introspection, as the real one does."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from support.api import audit_entries

from trainyard_common.testing.processes import free_port
from trainyard_common.testing.served import served

pytestmark = pytest.mark.integration

ADMIN = "/api/v1/admin"
TOKEN = "/api/v1/auth/token"
PROFILE = "/api/v1/learner/profile"
SERVICES_AWAY = ("client_directory", "commerce_access", "training_progress")


@dataclass
class FakeCustomerAccount:
    """Impersonation sessions as customer-account keeps them (token → its facts)."""

    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_with: list[dict[str, Any]] = field(default_factory=list)


def fake_customer_account(fake: FakeCustomerAccount) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/customers/{customer_id}/impersonations")
    async def impersonate(customer_id: uuid.UUID, request: Request) -> JSONResponse:
        body = await request.json()
        fake.started_with.append(body)
        token = secrets.token_urlsafe(16)
        fake.sessions[token] = {
            "customer_id": str(customer_id),
            "impersonated_by": body["admin"],
            "admin_token": body.get("admin_token"),
        }
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 900}, status_code=201)

    @app.post("/v1/sessions/introspect-many")
    async def introspect(request: Request) -> JSONResponse:
        expires_at = (datetime.now(UTC) + timedelta(minutes=15)).isoformat()
        found = [fake.sessions.get(token) for token in (await request.json())["tokens"]]
        live = {"password_change_required": False, "expires_at": expires_at}
        return JSONResponse({"sessions": [None if f is None else {**f, **live} for f in found]})

    @app.get("/v1/learners/{customer_id}/profile")
    async def profile(customer_id: uuid.UUID) -> JSONResponse:
        return JSONResponse({"id": str(customer_id), "first_name": "Ada"})

    @app.post("/v1/sessions/revoke")
    async def revoke() -> Response:
        return Response(status_code=204)

    return app


@pytest.fixture
async def setup(
    new_database: Callable[[str], str], first_admin: tuple[str, str], start_gateway: Any, sign_in: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeCustomerAccount, dict[str, str]]]:
    """A gateway on its own database in front of the fake customer-account, and the first admin's
    Authorization header."""
    fake = FakeCustomerAccount()
    async with served(fake_customer_account(fake)) as url:
        fake.url = url
        away = {f"{name}_url": f"http://127.0.0.1:{free_port()}" for name in SERVICES_AWAY}
        async with start_gateway(new_database("gw_impersonation"), customer_account_url=url, **away) as gateway:
            yield gateway, fake, await sign_in(gateway, *first_admin)


async def impersonate(gateway: httpx.AsyncClient, admin: dict[str, str], customer_id: uuid.UUID) -> dict[str, str]:
    started = await gateway.post(f"{ADMIN}/customers/{customer_id}/impersonation", headers=admin)
    assert started.status_code == 201, started.text
    return {"Authorization": f"Bearer {started.json()['access_token']}"}


async def test_the_impersonation_ends_when_the_admin_signs_out(setup: Any) -> None:
    gateway, _, admin = setup
    learner = await impersonate(gateway, admin, uuid.uuid4())
    assert (await gateway.get(PROFILE, headers=learner)).status_code == 200

    assert (await gateway.delete(TOKEN, headers=admin)).status_code == 204

    ended = await gateway.get(PROFILE, headers=learner)
    assert ended.status_code == 401, ended.text
    assert ended.json()["error"]["code"] == "unauthorized"


async def test_the_impersonation_ends_when_the_admin_is_disabled(
    setup: Any, sign_in: Any, first_admin: tuple[str, str]
) -> None:
    gateway, _, root = setup
    username, password = "helpdesk-admin", secrets.token_urlsafe(16)
    created = await gateway.post(
        f"{ADMIN}/admins", json={"username": username, "password": password, "role": "admin"}, headers=root
    )
    assert created.status_code == 201, created.text
    helpdesk = await sign_in(gateway, username, password)
    learner = await impersonate(gateway, helpdesk, uuid.uuid4())
    assert (await gateway.get(PROFILE, headers=learner)).status_code == 200

    disabled = await gateway.patch(f"{ADMIN}/admins/{username}", json={"active": False}, headers=root)
    assert disabled.status_code == 200, disabled.text

    assert (await gateway.get(PROFILE, headers=learner)).status_code == 401


async def test_the_admin_token_is_sent_hashed_and_a_session_without_one_is_refused(setup: Any) -> None:
    gateway, fake, admin = setup
    learner = await impersonate(gateway, admin, uuid.uuid4())
    sent = fake.started_with[-1]["admin_token"]
    assert isinstance(sent, str)
    assert len(sent) == 64  # SHA-256 hex: the admin's token itself never leaves the gateway
    assert sent not in admin["Authorization"]

    # an impersonation session that names no admin token (started before they were kept)
    (token,) = [t for t in fake.sessions if t in learner["Authorization"]]
    fake.sessions[token]["admin_token"] = None
    assert (await gateway.get(PROFILE, headers=learner)).status_code == 401


async def test_the_learners_own_session_needs_no_admin_token(setup: Any) -> None:
    gateway, fake, _ = setup
    fake.sessions["own-token"] = {"customer_id": str(uuid.uuid4()), "impersonated_by": None, "admin_token": None}
    assert (await gateway.get(PROFILE, headers={"Authorization": "Bearer own-token"})).status_code == 200


async def test_starting_an_impersonation_is_audited_against_the_customer(setup: Any) -> None:
    gateway, _, admin = setup
    customer_id = uuid.uuid4()
    await impersonate(gateway, admin, customer_id)
    action = f"POST {ADMIN}/customers/{{id}}/impersonation"
    (entry, *_) = await audit_entries(gateway, admin, action=action)
    assert entry["target"] == f"customer:{customer_id}"
    assert entry["outcome"] == "success"
