"""Gated routers (``trainyard_common.http.routing``) answer every request exactly as ungated ones:
the same route, the same 404, 405 and trailing-slash redirect; only routers that cannot match
are skipped."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from trainyard_common.http.routing import literal_beginning, skip_foreign_routers


def app_with_routers(*, gated: bool) -> FastAPI:
    admin = APIRouter(prefix="/api/v1/admin")
    admin.add_api_route("/customers", lambda: {"route": "customers"}, methods=["GET"])
    admin.add_api_route("/customers/{id}", lambda id: {"route": "customer", "id": id}, methods=["GET"])
    admin.add_api_route("/customers/{id}", lambda id: {"route": "edit", "id": id}, methods=["PATCH"])
    learner = APIRouter(prefix="/api/v1/learner")
    learner.add_api_route("/orders", lambda: {"route": "orders"}, methods=["POST"])
    nested = APIRouter(prefix="/api/v1/admin")
    inner = APIRouter(prefix="/reports")
    inner.add_api_route("/clients/", lambda: {"route": "report"}, methods=["GET"])
    nested.include_router(inner)
    catch_all = APIRouter()
    catch_all.add_api_route("/{anything:path}", lambda anything: {"route": "catch-all"}, methods=["DELETE"])
    app = FastAPI()
    for router in (admin, learner, nested, catch_all):
        app.include_router(router)
    if gated:
        assert skip_foreign_routers(app) == 3, "the catch-all shares no beginning: left as it is"
    return app


REQUESTS = [
    ("GET", "/api/v1/admin/customers"),
    ("GET", "/api/v1/admin/customers/42"),
    ("PATCH", "/api/v1/admin/customers/42"),
    ("POST", "/api/v1/admin/customers/42"),  # known path, other method: 405
    ("POST", "/api/v1/learner/orders"),
    ("GET", "/api/v1/learner/orders"),
    ("GET", "/api/v1/admin/reports/clients/"),
    ("GET", "/api/v1/admin/reports/clients"),  # redirected to the trailing slash
    ("DELETE", "/api/v1/learner/orders"),  # the catch-all, past a router of the same path
    ("GET", "/nowhere"),
    ("GET", "/api/v1/admin"),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_a_gated_app_answers_as_an_ungated_one(method: str, path: str) -> None:
    answers = []
    for gated in (False, True):
        transport = httpx.ASGITransport(app=app_with_routers(gated=gated))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            reply = await client.request(method, path)
            answers.append((reply.status_code, reply.headers.get("location"), reply.content))
    assert answers[0] == answers[1]
    assert answers[0][0] in (200, 307, 404, 405)


def test_the_beginning_is_the_literal_text_before_the_first_parameter() -> None:
    assert literal_beginning(["/api/v1/admin/customers", "/api/v1/admin/customers/{id}"]) == "/api/v1/admin/customers"
    assert literal_beginning(["/api/v1/admin/clients/{id}", "/api/v1/admin/classes"]) == "/api/v1/admin/cl"
    assert literal_beginning(["/healthz", "/readyz"]) is None, "only '/' in common: says nothing"
    assert literal_beginning(["/{anything:path}"]) is None
    assert literal_beginning([]) is None
