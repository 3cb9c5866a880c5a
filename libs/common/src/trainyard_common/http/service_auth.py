"""Service-to-service authentication: the gateway signs every call, the services verify it.

The services' ``/v1`` APIs are reached only through the gateway. Each call carries one header,
``X-Trainyard-Service-Token``: ``<claims>.<signature>``, both base64url, the claims a small JSON
object — the admin behind the request (``adm``), the admin impersonating the learner (``imp``),
the signed-in learner (``sub``), the LMS integration behind the request (``int``), the service
making a call of its own (``svc``: ``trainyard_common.http.service_client``), the expiry
(``exp``, Unix seconds), the HTTP method (``m``) and
the path (``p``) — and the signature HMAC-SHA256 over the claims' bytes with the first of the
shared keys (``TRAINYARD_SERVICE_AUTH_KEYS``). A service accepts a signature made with any of its
keys, so a key is rotated by adding the new one behind the old everywhere, then moving it first,
then dropping the old one.

``ServiceAuthMiddleware`` guards every path under ``/v1``: no token, a forged, expired or
malformed one, or one made for another method or path is a 401; ``/healthz``, ``/readyz`` and
``/asyncapi.json`` stay open. The verified claims are the only source of the actor:
``caller(request)`` returns them (headers such as ``X-Actor-Admin`` are ignored). A request
without an admin reaches only the learners' and the public paths (``NON_ADMIN_PATHS``) — any
other ``/v1`` route is an admin action and is refused with 403 — and a learner's token reaches
only that learner's own ``/v1/learners/{id}/…``. A call naming a service (and no admin) reaches
only the paths the callee opens to services (``service_paths``; none by default): 403
``service_not_allowed`` anywhere else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from trainyard_common.http.errors import error_response

SERVICE_TOKEN_HEADER = "X-Trainyard-Service-Token"  # noqa: S105 (a header's name)
_HEADER_KEY = SERVICE_TOKEN_HEADER.lower().encode()
CALLER_SCOPE_KEY = "trainyard.caller"
PROTECTED_PREFIX = "/v1"
LEEWAY_SECONDS = 5.0
"""Clock skew tolerated between the gateway's pods and the services'."""

NON_ADMIN_PATHS = re.compile(
    r"^/v1/(?:registrations|sessions|sessions/introspect(?:-many)?|sessions/revoke|password-setup|prices/[^/]+"
    r"|learners/(?P<learner>[^/]+)(?:/.*)?)$"
)
"""What a call without an admin may reach: public registration and sign-in, the learner guard's
session checks, the welcome e-mail's set-password link, a price (public, read before an anonymous
order creates its account), and the learners' own routes. Everything
else under ``/v1`` is an admin action."""

DEVELOPMENT_KEY = "trainyard-development-only-service-key-do-not-use"
"""The default shared key, so a service started by hand talks to a gateway started by hand;
production refuses it (``ServiceSettings``)."""
MIN_KEY_LENGTH = 32

NO_SERVICE_PATHS = re.compile(r"(?!)")
"""Matches nothing: by default no ``/v1`` path is open to another service's own calls."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a verified call acts for, as the gateway vouched."""

    admin: str | None = None
    impersonated_by: str | None = None
    customer_id: str | None = None
    integration: str | None = None
    """The name of the LMS integration whose client-credentials token the gateway accepted (its
    scopes were checked there); the services treat it as an admin action done by that integration."""
    service: str | None = None
    """The service making a call of its own (no admin behind it): it reaches only the paths the
    callee opens to services (``ServiceAuthMiddleware(service_paths=...)``)."""


class InvalidServiceToken(Exception):
    """The token is missing, malformed, forged, expired or made for another request."""


def sign(
    key: str,
    *,
    method: str,
    path: str,
    caller: Caller,
    ttl_seconds: float,
    now: float | None = None,
) -> str:
    """The token for one call of ``method`` on ``path`` (without the query string)."""
    claims = {
        "adm": caller.admin,
        "imp": caller.impersonated_by,
        "sub": caller.customer_id,
        "int": caller.integration,
        "svc": caller.service,
        "exp": int((time.time() if now is None else now) + ttl_seconds),
        "m": method.upper(),
        "p": path,
    }
    payload = _b64encode(orjson.dumps(claims))
    return f"{payload}.{_b64encode(_mac(key, payload))}"


def verify(token: str, keys: Sequence[str], *, method: str, path: str, now: float | None = None) -> Caller:
    """The caller the token vouches for; ``InvalidServiceToken`` unless it is genuine, current
    and made for this ``method`` and ``path``."""
    payload, dot, signature = token.partition(".")
    if not token.isascii() or not dot or not payload or not signature:
        raise InvalidServiceToken("malformed")
    try:
        given = _b64decode(signature)
    except (binascii.Error, ValueError) as exc:
        raise InvalidServiceToken("malformed") from exc
    # Every key is tried (no early exit), each in constant time.
    genuine = False
    for key in keys:
        genuine |= hmac.compare_digest(_mac(key, payload), given)
    if not genuine:
        raise InvalidServiceToken("bad signature")
    try:
        claims = orjson.loads(_b64decode(payload))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidServiceToken("malformed") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise InvalidServiceToken("malformed")
    if claims["exp"] + LEEWAY_SECONDS < (time.time() if now is None else now):
        raise InvalidServiceToken("expired")
    if claims.get("m") != method.upper() or claims.get("p") != path:
        raise InvalidServiceToken("made for another request")
    return Caller(
        admin=_text(claims, "adm"),
        impersonated_by=_text(claims, "imp"),
        customer_id=_text(claims, "sub"),
        integration=_text(claims, "int"),
        service=_text(claims, "svc"),
    )


_CURRENT_CALLER: ContextVar[Caller | None] = ContextVar("trainyard_current_caller", default=None)


def current_caller() -> Caller | None:
    """The verified caller of the request this code runs for (None outside a ``/v1`` request: a
    schedule, an event handler); ``trainyard_common.actors`` names it in the events emitted."""
    return _CURRENT_CALLER.get()


@contextmanager
def acting_caller(found: Caller | None) -> Iterator[None]:
    """Run the block for ``found`` as ``ServiceAuthMiddleware`` runs a verified request (a test's
    stand-in for a request, or a non-HTTP entrypoint acting for someone)."""
    marker = _CURRENT_CALLER.set(found)
    try:
        yield
    finally:
        _CURRENT_CALLER.reset(marker)


def caller(request: Request) -> Caller:
    """The verified caller of this request (an empty one outside ``/v1``)."""
    found = request.scope.get(CALLER_SCOPE_KEY)
    return found if isinstance(found, Caller) else Caller()


def request_path(scope: Scope) -> str:
    """The path as it went over the wire (percent-encoded, no query): what the gateway signed."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        return bytes(raw).split(b"?", 1)[0].decode("latin-1")
    return str(scope["path"])


class ServiceAuthMiddleware:
    """Verifies the gateway's token on every ``/v1`` request (pure ASGI, before any route runs)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Sequence[str],
        non_admin_paths: re.Pattern[str] = NON_ADMIN_PATHS,
        service_paths: re.Pattern[str] = NO_SERVICE_PATHS,
    ) -> None:
        self.app = app
        self.keys = tuple(keys)
        self.non_admin_paths = non_admin_paths
        self.service_paths = service_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        token = next((v for k, v in scope["headers"] if k == _HEADER_KEY), None)
        if token is None:
            refused = error_response(401, "service_token_required", "This API is reached through the gateway only.")
            await refused(scope, receive, send)
            return
        try:
            found = verify(token.decode("latin-1"), self.keys, method=scope["method"], path=request_path(scope))
        except InvalidServiceToken:
            await error_response(401, "invalid_service_token", "The service token is not valid.")(scope, receive, send)
            return
        refusal = self._refusal(found, scope["path"])
        if refusal is not None:
            await error_response(403, *refusal)(scope, receive, send)
            return
        scope[CALLER_SCOPE_KEY] = found
        with acting_caller(found):
            await self.app(scope, receive, send)

    def _refusal(self, found: Caller, path: str) -> tuple[str, str] | None:
        if found.service is not None and found.admin is None:
            if self.service_paths.match(path) is None:
                return "service_not_allowed", f"This path is not open to calls of the service {found.service}."
            return None
        if found.admin is not None or found.integration is not None:
            return None
        match = self.non_admin_paths.match(path)
        if match is None:
            return "admin_required", "This is an admin action: the gateway names no admin."
        learner = match.groupdict().get("learner")
        if learner is not None and found.customer_id is not None and learner != found.customer_id:
            return "forbidden", "A learner reaches only their own records."
        return None


def _protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def _mac(key: str, payload: str) -> bytes:
    return hmac.new(key.encode(), payload.encode("ascii"), hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _text(claims: dict[str, object], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) and value else None
