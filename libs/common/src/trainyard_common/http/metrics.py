"""Request count and latency per route template (``/v1/clients/{client_id}``, not the id)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainyard_common.metrics import HTTP_REQUESTS, HTTP_SECONDS

UNMATCHED = "unmatched"
NOT_MEASURED = frozenset({"/metrics", "/healthz", "/readyz"})


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NOT_MEASURED:
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
            HTTP_SECONDS.labels(route, scope["method"]).observe(time.monotonic() - started)
