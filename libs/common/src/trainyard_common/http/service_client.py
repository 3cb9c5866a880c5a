"""A service's own calls to another service's ``/v1`` API (service → service, no gateway between).

The services share ``TRAINYARD_SERVICE_AUTH_KEYS`` with the gateway; a call of a service's own is
signed like the gateway's (``trainyard_common.http.service_auth``) but names the calling service
(``Caller(service=<its name>)``, claim ``svc``) and nobody else: it reaches only the paths the callee
opens to services (``ServiceRuntime.service_paths``; customer-account: the customer-key routes).
Each request carries the current correlation id as ``X-Request-ID``.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from trainyard_common.correlation import current_correlation_id
from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, sign

DEFAULT_TIMEOUT_SECONDS = 5.0


class ServiceCallAuth(httpx.Auth):
    """Signs each request as it leaves, for its final method and path, as the service ``service``."""

    def __init__(self, service: str, key: str, ttl_seconds: float = 30.0) -> None:
        if not service:
            raise ValueError("a service call names its service")
        self._caller = Caller(service=service)
        self._key = key
        self._ttl_seconds = ttl_seconds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers[SERVICE_TOKEN_HEADER] = sign(
            self._key, method=request.method, path=path, caller=self._caller, ttl_seconds=self._ttl_seconds
        )
        request.headers.setdefault("X-Request-ID", current_correlation_id())
        yield request


def service_client(
    base_url: str,
    *,
    service: str,
    key: str,
    ttl_seconds: float = 30.0,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` of the service at ``base_url`` signing every call as ``service``
    with ``key`` (the first of ``TRAINYARD_SERVICE_AUTH_KEYS``); close it (``async with``) when done."""
    return httpx.AsyncClient(
        base_url=base_url,
        auth=ServiceCallAuth(service, key, ttl_seconds),
        timeout=timeout_seconds,
        transport=transport,
    )
