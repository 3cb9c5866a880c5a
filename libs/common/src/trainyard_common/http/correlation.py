"""Every request gets a correlation id: the caller's ``X-Request-ID`` or a new one, echoed back.

A caller's id is kept only when it is 1 to 64 of ``A-Z a-z 0-9 . _ -``: it travels into events,
logs and the services' headers. Anything else (too long, spaces, non-ASCII bytes) is replaced by a
new id, and the caller's value — printable ASCII only, other characters as ``?``, cut to 64 — is
logged as ``client_request_id`` next to it, so it can still be traced without being trusted.
Header bytes are read as Latin-1, which never fails: no header value can turn into a 500.
"""

from __future__ import annotations

import re

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainyard_common.correlation import bind_correlation_id

REQUEST_ID_HEADER = "x-request-id"
_HEADER_KEY = REQUEST_ID_HEADER.encode()
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CLIENT_ID_MAX_LENGTH = 64
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def accepted_request_id(value: str) -> str | None:
    """``value`` when it is acceptable as a correlation id, else None."""
    return value if VALID_REQUEST_ID.fullmatch(value) else None


def sanitised(value: str) -> str:
    """A caller's rejected id as it may be logged: printable ASCII, at most 64 characters."""
    return _UNPRINTABLE.sub("?", value[:CLIENT_ID_MAX_LENGTH])


class CorrelationMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so the id's contextvar reaches the route's task."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == _HEADER_KEY), None)
        given = incoming.decode("latin-1") if incoming is not None else ""
        accepted = accepted_request_id(given)
        correlation_id = bind_correlation_id(accepted)
        if given and accepted is None:
            structlog.contextvars.bind_contextvars(client_request_id=sanitised(given))
        else:
            structlog.contextvars.unbind_contextvars("client_request_id")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((_HEADER_KEY, correlation_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)
