"""The passthrough table's builder (``entrypoints/contract.py``), on a fake service: what a
declared route documents, and what it sends on. No infrastructure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from gateway.domain.replies import ServiceReply
from gateway.entrypoints.auditing import TARGET_STATE
from gateway.entrypoints.contract import PAGE, Audit, Passthrough, query, serve


class Thing(BaseModel):
    name: str
    note: str | None = None


class FakeService:
    def __init__(self, reply: ServiceReply) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    async def call(self, method: str, path: str, **options: Any) -> ServiceReply:
        self.calls.append({"method": method, "path": path, **options})
        return self.reply


class FakeServices:
    def __init__(self, reply: ServiceReply) -> None:
        self.client_directory = FakeService(reply)


ROUTES = (
    Passthrough("GET", "/things/{id}/parts", "list_parts", "client_directory", "/v1/things/{id}/parts",
                query=(query("date_from", Annotated[date | None, Query(alias="from")]), *PAGE),
                response=Thing, errors={404: "No such thing.", 409: None}),
    Passthrough("PATCH", "/things/{id}", "change_thing", "client_directory", "/v1/things/{id}",
                body=Thing, exclude_unset=True, audit=Audit("thing", param="id")),
    Passthrough("POST", "/things", "create_thing", "client_directory", "/v1/things",
                body=Thing, status=201, response=Thing, also=(200,), audit=Audit("thing")),
)  # fmt: skip


def app_replying(status: int, body: bytes) -> tuple[FastAPI, FakeService, dict[str, Any]]:
    router = APIRouter(prefix="/api")
    serve(router, ROUTES)
    app = FastAPI()
    app.include_router(router)
    app.state.services = FakeServices(ServiceReply(status, body, "application/json"))
    state: dict[str, Any] = {}

    async def keeping_state(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = state  # what the audit middleware reads after the route ran
        await app(scope, receive, send)

    return keeping_state, app.state.services.client_directory, state  # type: ignore[return-value]


async def request(asgi: Any, method: str, url: str, **options: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://gw") as client:
        return await client.request(method, url, **options)


def test_a_declared_route_documents_its_parameters_answers_and_name() -> None:
    router = APIRouter()
    serve(router, ROUTES[:1])
    app = FastAPI()
    app.include_router(router)
    operation = app.openapi()["paths"]["/things/{id}/parts"]["get"]
    assert operation["operationId"] == "list_parts_things__id__parts_get"
    assert operation["summary"] == "List Parts"
    assert [(p["in"], p["name"]) for p in operation["parameters"]] == [
        ("path", "id"),
        ("query", "from"),
        ("query", "limit"),
        ("query", "offset"),
    ]
    assert operation["parameters"][0]["schema"]["format"] == "uuid"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Thing")
    assert operation["responses"]["404"]["description"] == "No such thing."
    assert operation["responses"]["409"]["description"] == "Conflict"


async def test_query_parameters_go_on_under_their_public_names_and_the_answer_comes_back_as_is() -> None:
    asgi, service, _ = app_replying(200, b'{"name": "as the service said"}')
    thing = uuid.uuid4()
    response = await request(asgi, "GET", f"/api/things/{thing}/parts?from=2025-01-02&limit=7")
    assert (response.status_code, response.content) == (200, b'{"name": "as the service said"}')
    (call,) = service.calls
    assert (call["method"], call["path"]) == ("GET", f"/v1/things/{thing}/parts")
    assert call["params"] == {"from": date(2025, 1, 2), "limit": 7, "offset": 0}


async def test_a_path_parameter_that_is_not_a_uuid_is_refused_before_any_call() -> None:
    asgi, service, _ = app_replying(200, b"{}")
    response = await request(asgi, "GET", "/api/things/not-an-id/parts")
    assert response.status_code == 422
    assert service.calls == []


async def test_a_partial_update_sends_only_the_fields_set_and_names_its_target() -> None:
    asgi, service, state = app_replying(200, b"{}")
    thing = uuid.uuid4()
    await request(asgi, "PATCH", f"/api/things/{thing}", json={"name": "new"})
    assert service.calls[0]["body"] == {"name": "new"}  # no "note": null the caller did not send
    assert state[TARGET_STATE] == f"thing:{thing}"


async def test_a_creation_names_what_the_service_created_as_its_target() -> None:
    created = uuid.uuid4()
    asgi, service, state = app_replying(201, f'{{"id": "{created}", "name": "x"}}'.encode())
    response = await request(asgi, "POST", "/api/things", json={"name": "x"})
    assert response.status_code == 201
    assert service.calls[0]["body"] == {"name": "x", "note": None}
    assert state[TARGET_STATE] == f"thing:{created}"


async def test_a_refused_creation_names_no_target() -> None:
    asgi, _, state = app_replying(409, b'{"error": {"code": "conflict", "message": "taken", "details": []}}')
    response = await request(asgi, "POST", "/api/things", json={"name": "x"})
    assert response.status_code == 409
    assert TARGET_STATE not in state
