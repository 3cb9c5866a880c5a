"""Issue 15 items 4, 10 and 12 against the running system (real processes, as ``cli.py`` serves).

Checked against the code as found: a service's /v1 answered a call without any token (and took
``X-Actor-Admin`` as sent), /metrics answered on the API port, a learner signing in with
``X-Forwarded-For: 6.6.6.6`` from 127.0.0.1 was recorded as 6.6.6.6, and ``X-Request-ID: \\xff``
was a 500.
"""

from __future__ import annotations

import socket
import time
import uuid
from typing import Any

import httpx
import pytest
from support.customers import sign_in
from support.flows import register

from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, sign
from trainyard_common.testing.processes import ServiceProcess
from trainyard_common.testing.service_auth import RUN_SERVICE_KEY

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
ADMIN = "/api/v1/admin"


def token(method: str, path: str, caller: Caller, *, key: str = RUN_SERVICE_KEY, now: float | None = None) -> str:
    return sign(key, method=method, path=path, caller=caller, ttl_seconds=30, now=now)


def test_a_service_api_refuses_calls_without_a_valid_gateway_token(system: Any) -> None:
    url = system.customer_account.url
    path = f"/v1/customers/{uuid.uuid4()}"
    plain = httpx.get(f"{url}{path}", headers={"X-Actor-Admin": "mallory"}, timeout=10)
    assert plain.status_code == 401, plain.text
    forged = token("GET", path, Caller(admin="mallory"), key="f" * 40)
    expired = token("GET", path, Caller(admin="ada"), now=time.time() - 120)
    for bad in (forged, expired):
        reply = httpx.get(f"{url}{path}", headers={SERVICE_TOKEN_HEADER: bad}, timeout=10)
        assert reply.status_code == 401, reply.text
    genuine = {SERVICE_TOKEN_HEADER: token("GET", path, Caller(admin="ada"))}
    good = httpx.get(f"{url}{path}", headers=genuine, timeout=10)
    assert good.status_code == 404, "a genuine token passes (the customer does not exist)"
    for service in (system.client_directory, system.commerce_access, system.training_progress):
        assert httpx.get(f"{service.url}/v1/customers/{uuid.uuid4()}/export", timeout=10).status_code == 401
        assert httpx.get(f"{service.url}/healthz", timeout=10).status_code == 200


def test_an_admin_route_with_a_learners_claims_is_refused(system: Any) -> None:
    path = "/v1/customers"
    learner = token("POST", path, Caller(customer_id=str(uuid.uuid4())))
    body = {"first_name": "M", "last_name": "M", "email": f"m-{uuid.uuid4().hex[:6]}@example.com", "password": PASSWORD}
    reply = httpx.post(f"{system.customer_account.url}{path}", json=body, headers={SERVICE_TOKEN_HEADER: learner})
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"]["code"] == "admin_required"


def test_through_the_gateway_the_admin_is_named_by_the_token(system: Any) -> None:
    with system.admin() as admin:
        body = {"first_name": "Ada", "last_name": "L", "email": f"ada-{uuid.uuid4().hex[:8]}@example.com"}
        created = admin.post(f"{ADMIN}/customers", json={**body, "password": PASSWORD})
        assert created.status_code == 201, created.text
        activity = admin.get(f"{ADMIN}/customers/{created.json()['id']}/activity-log").json()["items"]
    assert activity
    assert activity[0]["actor"] == system.admin_username


def test_metrics_are_served_on_the_metrics_port_only(system: Any) -> None:
    for service in system.processes():
        assert isinstance(service, ServiceProcess)
        assert httpx.get(f"{service.url}/metrics", timeout=10).status_code == 404, service.package
        metrics = httpx.get(f"{service.metrics_url}/metrics", timeout=10)
        assert metrics.status_code == 200, service.package
        assert "trainyard_" in metrics.text


def test_a_forwarded_address_from_an_untrusted_client_is_not_recorded(system: Any) -> None:
    email = f"xff-{uuid.uuid4().hex[:8]}@example.com"
    with system.public() as public:
        registered = register(public, email, password=PASSWORD)
        assert registered.status_code == 201, registered.text
        public.headers["X-Forwarded-For"] = "6.6.6.6"
        assert sign_in(public, email, PASSWORD).status_code == 201
    with system.admin() as admin:
        history = admin.get(f"{ADMIN}/customers/{registered.json()['id']}/login-history").json()["items"]
    assert [h["ip"] for h in history] == ["127.0.0.1"]


def raw_status(port: int, path: str, header: bytes) -> int:
    request = b"\r\n".join([f"GET {path} HTTP/1.1".encode(), b"Host: test", header, b"Connection: close", b"", b""])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("header", [b"X-Request-ID: \xff\xfe", "X-Request-ID: café".encode(), b"User-Agent: \xff"])
def test_header_bytes_never_make_a_500(system: Any, header: bytes) -> None:
    for service in system.processes():
        assert raw_status(service.port, "/healthz", header) == 200, service.package
    assert raw_status(system.customer_account.port, "/v1/groups", header) == 401
    assert raw_status(system.gateway.port, f"{ADMIN}/clients", header) == 401
