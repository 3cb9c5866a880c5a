"""Issue 17, item 2: the verified caller of a request names the actor of the events it causes;
outside a request (a schedule, a reaction to an event) the system does."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from trainyard_common.actors import SYSTEM, acted_by, current_acted_by
from trainyard_common.contracts import ActedBy
from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, ServiceAuthMiddleware, acting_caller, sign
from trainyard_common.vocabulary import ActorKind

KEY = "k" * 40


def test_each_caller_maps_to_one_actor() -> None:
    assert acted_by(Caller(integration="moodle", admin="x")) == ActedBy(kind=ActorKind.INTEGRATION, name="moodle")
    assert acted_by(Caller(customer_id="c", impersonated_by="root")) == ActedBy(
        kind=ActorKind.ADMIN, name="root", impersonated=True
    )
    assert acted_by(Caller(admin="root")) == ActedBy(kind=ActorKind.ADMIN, name="root")
    assert acted_by(Caller(customer_id="c")) == ActedBy(kind=ActorKind.LEARNER)
    assert acted_by(Caller()) == SYSTEM


def test_outside_a_request_the_system_acts() -> None:
    assert current_acted_by() == SYSTEM
    with acting_caller(Caller(admin="root")):
        assert current_acted_by() == ActedBy(kind=ActorKind.ADMIN, name="root")
    assert current_acted_by() == SYSTEM


def test_a_verified_request_names_its_caller() -> None:
    app = FastAPI()

    @app.get("/v1/thing")
    async def thing() -> dict[str, object]:
        return current_acted_by().model_dump(mode="json")

    app.add_middleware(ServiceAuthMiddleware, keys=[KEY])
    token = sign(KEY, method="GET", path="/v1/thing", caller=Caller(admin="root"), ttl_seconds=30)
    with TestClient(app) as client:
        reply = client.get("/v1/thing", headers={SERVICE_TOKEN_HEADER: token})
    assert reply.json() == {"kind": "admin", "name": "root", "impersonated": False}
    assert current_acted_by() == SYSTEM
