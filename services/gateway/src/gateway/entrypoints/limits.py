"""Request body limits: a body larger than allowed is refused with 413 before it is read whole.

JSON bodies are small; uploads (multipart or CSV) may be large but not unbounded. A declared
``Content-Length`` over the limit is refused at once; a body without one is counted as it
streams in and cut off when it passes the limit.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainyard_common.http.errors import error_response

UPLOAD_TYPES = ("multipart/form-data", "text/csv", "application/octet-stream")


class BodyTooLarge:
    status_code = 413
    code = "payload_too_large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_json_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared in ("", "0") and "transfer-encoding" not in headers:
            # No body (RFC 9112 §6.3: neither length nor chunked means none): nothing to count.
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(headers.get("content-type", ""))
        if declared.isdigit() and int(declared) > limit:
            await _refuse(limit, send)
            return
        await _LimitedExchange(limit, receive, send).run(self.app, scope)

    def _limit_for(self, content_type: str) -> int:
        return self.max_upload_bytes if content_type.lower().startswith(UPLOAD_TYPES) else self.max_json_bytes


class _LimitedExchange:
    """Counts the body as it streams in; past the limit, answers 413 itself and tells the app the
    client left, so the route stops and whatever it answers is dropped."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.received = 0
        self.refused = False
        self._receive = receive
        self._send = send

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        await app(scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refused = True
                await _refuse(self.limit, self._send)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if not self.refused:
            await self._send(message)


async def _refuse(limit: int, send: Send) -> None:
    response = error_response(BodyTooLarge.status_code, BodyTooLarge.code, _message(limit))
    await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _message(limit: int) -> str:
    return f"The request body is larger than the {limit:,} bytes allowed."
