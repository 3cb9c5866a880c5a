"""HTTP clients for the services behind the gateway.

One ``httpx.AsyncClient`` per service, opened in the app's lifespan and closed with it.
Every call carries the current correlation id as ``X-Request-ID`` (and, with tracing on, the
trace context as ``traceparent``), the service token naming who it acts for (signed for that
method and path: ``trainyard_common.http.service_auth``) and a timeout; a service that is down, unreachable or too
slow raises ``ServiceUnavailable`` (the gateway answers 503), never a generic error.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.adapters.actors import current_caller, session_headers
from gateway.domain.replies import ServiceReply, ServiceUnavailable
from gateway.settings import Settings
from trainyard_common.correlation import current_correlation_id
from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, sign
from trainyard_common.logs import get_logger
from trainyard_common.tracing import instrument_httpx_client, untraced_http

log = get_logger(__name__)

MIN_CONNECTIONS = 100
"""Each service's pool holds at least this many keep-alive connections, whatever
``service_max_connections`` says: 50 learners checking out at once, with the admin pages beside
them, never wait for a connection (issue 18, item 3)."""
KEEPALIVE_CONNECTIONS = 16
"""Idle connections kept per service. httpcore polls every idle connection of the pool on every
request (is its socket readable?): with 100 kept, that poll was a fifth of the gateway's CPU."""
POOL_WAIT_SECONDS = 30.0
"""How long a call may wait for a free connection of the pool before the service counts as
unavailable (503). Not the per-call timeout: under a burst, a call queued behind the pool is
slow, not failed (as a service's database pool waits up to 30 s)."""


class ServiceTokenAuth(httpx.Auth):
    """Signs each request as it leaves, for its final method and path, with the current actor."""

    def __init__(self, key: str, ttl_seconds: float) -> None:
        self._key = key
        self._ttl_seconds = ttl_seconds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers[SERVICE_TOKEN_HEADER] = sign(
            self._key, method=request.method, path=path, caller=current_caller(), ttl_seconds=self._ttl_seconds
        )
        yield request


class ServiceClient:
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout_seconds: float,
        max_connections: int = MIN_CONNECTIONS,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        # Only KEEPALIVE_CONNECTIONS stay idle: beyond them, a call that finds none reconnects (the
        # admin lists at concurrency 20 reconnect on most calls), but keeping more made every call
        # pay httpcore's poll of each idle one (checkout at concurrency 50: 94 → 56 orders/s).
        # Idle ones are dropped before the services' server closes them (uvicorn: after 5 s), so a
        # request never goes out on a connection the other side is closing at that moment.
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=KEEPALIVE_CONNECTIONS, keepalive_expiry=3.0
        )
        self._auth = auth
        self._client: httpx.AsyncClient | None = None

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[ServiceClient]:
        timeout = httpx.Timeout(self.timeout_seconds, pool=max(self.timeout_seconds, POOL_WAIT_SECONDS))
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, limits=self._limits, auth=self._auth
        ) as client:
            instrument_httpx_client(client)  # tracing: client spans sending `traceparent` (no-op when off)
            self._client = client
            try:
                yield self
            finally:
                self._client = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        content_type: str | None = None,
        timeout_seconds: float | None = None,
    ) -> ServiceReply:
        """One request; ``body`` is sent as JSON, or ``content`` as is (uploads stream through)."""
        if self._client is None:
            raise ServiceUnavailable(self.name, "client not started")
        try:
            seconds = timeout_seconds if timeout_seconds is not None else self.timeout_seconds
            reply = await self._client.request(
                method,
                path,
                params=_without_none(params),
                json=body,
                content=content,
                headers=_headers(content_type),
                timeout=httpx.Timeout(seconds, pool=max(seconds, POOL_WAIT_SECONDS)),
            )
        except httpx.TimeoutException as exc:
            log.warning("service timed out", service=self.name, path=path, error=repr(exc))
            raise ServiceUnavailable(self.name, "timed out") from exc
        except httpx.TransportError as exc:
            log.warning("service unreachable", service=self.name, path=path, error=repr(exc))
            raise ServiceUnavailable(self.name, "unreachable") from exc
        headers = reply.headers
        return ServiceReply(reply.status_code, reply.content, headers.get("content-type"), headers.get("retry-after"))

    async def check_alive(self) -> None:
        """For the gateway's /readyz: the service answers its /healthz."""
        with untraced_http():  # tracing: probes are not traced (a root span per probe)
            reply = await self.call("GET", "/healthz", timeout_seconds=1.5)
        if reply.status_code != 200:
            raise ServiceUnavailable(self.name, f"/healthz answered {reply.status_code}")


def _headers(content_type: str | None) -> dict[str, str]:
    headers = {"X-Request-ID": current_correlation_id(), **session_headers()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def _without_none(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if params is None:
        return None
    return {k: _query_value(v) for k, v in params.items() if v is not None}


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@dataclass(frozen=True, slots=True)
class Services:
    """The services the gateway talks to, opened and closed together."""

    client_directory: ServiceClient
    customer_account: ServiceClient
    commerce_access: ServiceClient
    training_progress: ServiceClient

    @classmethod
    def of(cls, settings: Settings) -> Services:
        """One client per service, at the URLs, timeout and pool size the settings give; every
        call signed with the first service key."""
        auth = ServiceTokenAuth(settings.service_keys[0], settings.service_token_ttl_seconds)

        def client(name: str, url: str) -> ServiceClient:
            return ServiceClient(
                name,
                url,
                timeout_seconds=settings.service_timeout_seconds,
                max_connections=max(settings.service_max_connections, MIN_CONNECTIONS),
                auth=auth,
            )

        return cls(
            client_directory=client("client-directory", settings.client_directory_url),
            customer_account=client("customer-account", settings.customer_account_url),
            commerce_access=client("commerce-access", settings.commerce_access_url),
            training_progress=client("training-progress", settings.training_progress_url),
        )

    def all(self) -> tuple[ServiceClient, ...]:
        return (self.client_directory, self.customer_account, self.commerce_access, self.training_progress)

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[Services]:
        async with contextlib.AsyncExitStack() as stack:
            for client in self.all():
                await stack.enter_async_context(client.open())
            yield self
