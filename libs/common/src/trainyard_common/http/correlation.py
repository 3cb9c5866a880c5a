"""Every request gets a correlation id: the caller's ``X-Request-ID`` or a new one, echoed back."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainyard_common.correlation import bind_correlation_id

REQUEST_ID_HEADER = "x-request-id"


class CorrelationMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so the id's contextvar reaches the route's task."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode()[:128]
        correlation_id = bind_correlation_id(incoming or None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((REQUEST_ID_HEADER.encode(), correlation_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)
