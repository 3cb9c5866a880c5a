"""The console's client of the gateway's own public API, called in-process.

Every console action goes through the same route, guard and audit as any API client: the
request is sent to the running app (``httpx.ASGITransport``) with the admin's bearer token, the
client's address and user agent, so the audit entry names the admin and where they were.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request

_FORWARDED_HEADERS = ("user-agent", "x-request-id")


@dataclass
class ApiError(Exception):
    """The API refused: its status, error code, message and per-field reasons."""

    status: int
    code: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        fields = {
            str(d.get("field", "")).removeprefix("body.").split(".")[0]: str(d.get("reason", ""))
            for d in error.get("details") or []
            if isinstance(d, dict)
        }
        return cls(
            status=response.status_code,
            code=str(error.get("code", "error")),
            message=str(error.get("message", f"The API answered {response.status_code}.")),
            fields=fields,
        )


class ConsoleApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The answer's JSON (None when empty); ``ApiError`` for any status >= 400."""
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        response = await self.client.request(method, path, json=json, params=clean)
        if response.status_code >= 400:
            raise ApiError.of(response)
        return response.json() if response.content else None


@asynccontextmanager
async def console_api(request: Request, token: str | None) -> AsyncIterator[ConsoleApi]:
    """A client of this very app, acting with ``token`` (None: anonymous, e.g. to sign in)."""
    headers = {name: request.headers[name] for name in _FORWARDED_HEADERS if name in request.headers}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    client = (request.client.host, request.client.port) if request.client else ("127.0.0.1", 0)
    transport = httpx.ASGITransport(app=request.app, client=client)
    base_url = str(request.base_url).rstrip("/")
    async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers, timeout=30) as http:
        yield ConsoleApi(http)
