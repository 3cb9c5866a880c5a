"""Tests calling a service's ``/v1`` API directly stand in for the gateway: they sign its token.

Every service process a test run starts gets ``RUN_SERVICE_KEY`` (a random key per run) unless
the test sets its own; ``GatewayStandIn`` signs each request with it. A test names the actor
with the headers the gateway once sent (``X-Actor-Admin``, ``X-Impersonated-By``): they are taken
out of the request and signed into the token. Without ``X-Actor-Admin`` the call acts for the
admin ``test-admin`` (as most tests call admin routes), unless ``X-Test-Learner`` names the
learner it acts for.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator
from typing import Any

import httpx

from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, sign

RUN_SERVICE_KEY = secrets.token_urlsafe(32)
TEST_ADMIN = "test-admin"
ACTOR_ADMIN_HEADER = "X-Actor-Admin"
IMPERSONATED_BY_HEADER = "X-Impersonated-By"
LEARNER_HEADER = "X-Test-Learner"


class GatewayStandIn(httpx.Auth):
    def __init__(self, key: str = RUN_SERVICE_KEY, ttl_seconds: float = 30.0) -> None:
        self.key = key
        self.ttl_seconds = ttl_seconds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        admin = request.headers.pop(ACTOR_ADMIN_HEADER, None)
        impersonator = request.headers.pop(IMPERSONATED_BY_HEADER, None)
        learner = request.headers.pop(LEARNER_HEADER, None)
        if admin is None and learner is None:
            admin = TEST_ADMIN
        caller = Caller(admin=admin, impersonated_by=impersonator, customer_id=learner)
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers[SERVICE_TOKEN_HEADER] = sign(
            self.key, method=request.method, path=path, caller=caller, ttl_seconds=self.ttl_seconds
        )
        yield request


def signed_client(base_url: str, *, key: str = RUN_SERVICE_KEY, **options: Any) -> httpx.Client:
    """A client of a service process that signs every call as the gateway would."""
    return httpx.Client(base_url=base_url, auth=GatewayStandIn(key), **options)
