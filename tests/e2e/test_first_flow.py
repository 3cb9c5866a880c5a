"""Foundation flow, end to end over the real broker:
admin creates a client → learner registers → client-directory maps the learner → the admin sees it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.flows import create_client, events_about, register, unique_domain, wait_for_learner

from trainyard_common.contracts import LearnerAssignedToClient, UserRegistered
from trainyard_common.messaging.envelope import Envelope

pytestmark = pytest.mark.e2e


def test_a_registered_learner_is_mapped_to_the_client_owning_their_domain(system: Any) -> None:
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        client = create_client(admin, domain)
        response = register(public, f"Ada.Lovelace@{domain.upper()}")
        assert response.status_code == 201, response.text
        customer = response.json()
        assert customer["email"] == f"ada.lovelace@{domain}"

        learner = wait_for_learner(admin, client["id"], customer["id"])
        assert learner["how"] == "domain"

    (registered,) = events_about(system, UserRegistered, customer["id"])
    envelope = Envelope.from_headers(registered.headers)
    assert envelope.event_type == "UserRegistered"
    assert envelope.source == "/trainyard/customer-account"
    assert envelope.schema_version == 1
    payload = UserRegistered.model_validate_json(registered.value)
    assert str(payload.customer_id) == customer["id"]
    assert payload.email == ""  # deprecated version 1: the e-mail travels sealed on UserRegistered.v2

    (assigned,) = events_about(system, LearnerAssignedToClient, customer["id"])
    assigned_envelope = Envelope.from_headers(assigned.headers)
    assert assigned_envelope.source == "/trainyard/client-directory"
    assert assigned_envelope.correlation_id == envelope.correlation_id  # one action, followed across services
    mapped = LearnerAssignedToClient.model_validate_json(assigned.value)
    assert str(mapped.client_id) == client["id"]
    assert mapped.reason == "domain"


def test_admin_routes_need_a_token(system: Any) -> None:
    with system.public() as public:
        response = public.get("/api/v1/admin/clients")
        assert response.status_code == 401
        assert response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, None),
        ({"first_name": "Ada", "email": "a@b.example"}, 422, "last_name"),
        ({"first_name": "Ada", "last_name": "L", "email": "not-an-email", "password": "long enough pw"}, 422, "email"),
    ],
)
def test_bad_registrations_get_an_error_body(system: Any, body: Any, status: int, field: str | None) -> None:
    with system.public() as public:
        if isinstance(body, str):
            response = public.post(
                "/api/v1/learner/register", content=body, headers={"content-type": "application/json"}
            )
        else:
            response = public.post("/api/v1/learner/register", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    if field:
        assert field in [d["field"] for d in error["details"]]


def test_a_duplicate_email_is_refused_and_announced_once(system: Any) -> None:
    email = f"twice-{uuid.uuid4().hex[:8]}@example.org"
    with system.public() as public:
        first = register(public, email)
        second = register(public, email.upper())
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["details"][0]["field"] == "email"
    customer_id = first.json()["id"]
    # a later registration's event proves the topic moved on; only one event names this customer
    with system.public() as public:
        marker = register(public, f"marker-{uuid.uuid4().hex[:8]}@example.org").json()["id"]
    events_about(system, UserRegistered, marker)
    assert len(events_about(system, UserRegistered, customer_id)) == 1


def test_unknown_client_is_a_404_with_an_error_body(system: Any) -> None:
    with system.admin() as admin:
        response = admin.get(f"/api/v1/admin/clients/{uuid.uuid4()}/learners")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_client_with_a_bad_domain_is_refused_and_not_created(system: Any) -> None:
    name = f"Bad {uuid.uuid4().hex[:6]}"
    with system.admin() as admin:
        response = admin.post(
            "/api/v1/admin/clients", json={"name": name, "industry": "Technology", "email_domains": ["not a domain"]}
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "email_domains"
        assert admin.get("/api/v1/admin/clients", params={"search": name}).json()["total"] == 0
