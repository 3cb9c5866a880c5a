"""Every state-changing request to the admin API, and every admin read of a customer's personal
data, leaves an audit entry — or gets no successful answer.

``AuditMiddleware`` watches every non-read request under the admin prefix, and every GET of a
route under ``/customers/{id}`` (the customer's page, login history, activity log, orders, export,
transcript...: action ``read``, target ``customer:<id>``). When the response starts (after the
error handlers ran, so the status is the one the admin gets) it writes an entry: the admin, the
action, the target, the outcome, the client's address (trusted proxies were resolved by the
server, ``trainyard_common.http.proxies``) and user agent. Writing it before the response starts
means a client reading the audit log right after its request finds the entry. Requests the guard
did not authenticate (401) are not admin actions and are not recorded here; a viewer's refused
write (403) is.

No silent gaps: when the entry cannot be written, the admin does not get the answer. The
response has not started yet, so it is replaced — for a read by ``503 audit_unavailable`` (the
personal data never leaves the gateway; the services were asked, but nothing is shown), for a
state-changing request by ``500 audit_failed``: the service may already have applied the change,
so the answer says so, and the entry (who, what, target, status) is logged at error level as the
fallback record.

The entries of concurrent requests are written together (``service_layer.audit.AuditWriter``:
one INSERT and one commit for what arrived during the previous batch's round trip); each
response still waits for its own entry's commit, and when a batch fails, each of its requests
is refused as above.

It also binds every request's address and user agent (``RequestOrigin``) for entries written by
the use cases themselves (sign-in, password change), and logs each refused sign-in (admin token
or learner session) with the address, the user agent and the status; throttles are logged where
they are decided (``service_layer.auth``).
"""

import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain.admins import READ_ONLY_METHODS, Principal
from gateway.domain.audit import READ, USER_AGENT_MAX_LENGTH, AuditEntry, RequestOrigin, bind_request_origin, outcome_of
from gateway.entrypoints.paths import AUTH, INTEGRATIONS, LEARNER
from gateway.entrypoints.security import PRINCIPAL_STATE
from gateway.service_layer.audit import AuditWriter
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.correlation import current_correlation_id
from trainyard_common.http.errors import error_response
from trainyard_common.logs import get_logger

log = get_logger(__name__)

TARGET_STATE = "audit_target"
SIGN_INS = {f"{AUTH}/token": "admin", f"{LEARNER}/sessions": "learner"}  # POST: who signs in there
AUDITED_OUTSIDE_ADMIN = {f"{INTEGRATIONS}/customer-keys"}  # audited like admin actions (no keys in the entry)
_USER_AGENT = b"user-agent"


def set_audit_target(request: Request, kind: str, identifier: object) -> None:
    """Name what the request acted on (e.g. the id of a created client) for its audit entry."""
    setattr(request.state, TARGET_STATE, f"{kind}:{identifier}")


class AuditUnavailable(Exception):
    """The audit entry could not be written (the cause is chained)."""


class AuditMiddleware:
    def __init__(self, app: ASGIApp, *, prefix: str, uow_factory: Callable[[], GatewayUnitOfWork]) -> None:
        self.app = app
        self.prefix = prefix
        self.customer = f"{prefix}/customers/{{id}}"  # a customer's personal data: every GET at or below
        self.uow_factory = uow_factory
        self.writer = AuditWriter(uow_factory)  # concurrent requests' entries: one INSERT, one commit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = request_origin(scope)
        bind_request_origin(origin)
        if not self._watches(scope):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with request.state all the way down
        started = replaced = False

        async def send_after_audit(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the body of an answer the admin does not get
            if message["type"] == "http.response.start" and not started:
                started = True
                status = message["status"]
                try:
                    await self._record(scope, status, origin)
                except AuditUnavailable:
                    replaced = True
                    await self._refuse(scope, send, status)
                    return
                self._log_sign_in_refusal(scope, status, origin)
            await send(message)

        try:
            await self.app(scope, receive, send_after_audit)
        except Exception:
            if not started:
                started = True
                with contextlib.suppress(AuditUnavailable):  # logged; the request's own error goes on
                    await self._record(scope, 500, origin)
            raise

    def _watches(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if scope["method"] == "POST" and path in SIGN_INS:
            return True
        if path in AUDITED_OUTSIDE_ADMIN:
            return True
        return path == self.prefix or path.startswith(f"{self.prefix}/")

    async def _record(self, scope: Scope, status: int, origin: RequestOrigin) -> None:
        """Write the request's entry, if it is audited; ``AuditUnavailable`` when that fails."""
        entry = self._entry(scope, status, origin)
        if entry is None:
            return
        try:
            await self.writer.record(entry)
        except Exception as exc:
            log.critical(
                "audit entry not written: the answer is refused",
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                status=status,
                client_ip=entry.client_ip,
                error=repr(exc),
            )
            raise AuditUnavailable(entry.action) from exc

    def _entry(self, scope: Scope, status: int, origin: RequestOrigin) -> AuditEntry | None:
        state: dict[str, Any] = scope.get("state") or {}
        principal: Principal | None = state.get(PRINCIPAL_STATE)
        if principal is None:
            return None  # not authenticated (or not an admin route): not an admin action
        if scope["method"] in READ_ONLY_METHODS:
            target = self._customer_read(scope)
            if target is None:
                return None
            action = READ
        else:
            target = state.get(TARGET_STATE) or _path_target(scope)
            action = _action(scope)
        return AuditEntry(
            actor=principal.username,
            action=action,
            target=target,
            outcome=outcome_of(status),
            status_code=status,
            correlation_id=current_correlation_id(),
            client_ip=origin.client_ip,
            user_agent=origin.user_agent,
        )

    def _customer_read(self, scope: Scope) -> str | None:
        """``customer:<id>`` for a GET of a route at or below ``/customers/{id}``; else None."""
        if scope["method"] != "GET":
            return None
        path = getattr(scope.get("route"), "path_format", None)
        if path is None or not (path == self.customer or path.startswith(f"{self.customer}/")):
            return None
        params: dict[str, Any] = scope.get("path_params") or {}
        return f"customer:{params.get('id')}"

    async def _refuse(self, scope: Scope, send: Send, status: int) -> None:
        if scope["method"] in READ_ONLY_METHODS:
            response = error_response(
                503, "audit_unavailable", "The read cannot be recorded in the audit log; try again shortly."
            )
            response.headers["Retry-After"] = "5"
        else:
            response = error_response(
                500,
                "audit_failed",
                f"The request was handled (status {status}) but could not be recorded in the audit log; "
                "check the result before trying again.",
            )
        response.headers["X-Request-ID"] = current_correlation_id()
        await response(scope, _nothing, send)

    def _log_sign_in_refusal(self, scope: Scope, status: int, origin: RequestOrigin) -> None:
        who = SIGN_INS.get(scope["path"]) if scope["method"] == "POST" else None
        if who is not None and status >= 400 and status not in (422, 413):
            log.warning(
                f"{who} sign-in refused",
                status=status,
                client_ip=origin.client_ip,
                user_agent=origin.user_agent,
            )


def request_origin(scope: Scope) -> RequestOrigin:
    """The client's address (as the server resolved it) and user agent (Latin-1: never fails)."""
    client = scope.get("client")
    agent = next((value for name, value in scope.get("headers", ()) if name == _USER_AGENT), None)
    return RequestOrigin(
        client_ip=str(client[0]) if client else None,
        user_agent=agent.decode("latin-1")[:USER_AGENT_MAX_LENGTH] if agent is not None else None,
    )


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _action(scope: Scope) -> str:
    route = scope.get("route")
    return f"{scope['method']} {getattr(route, 'path_format', scope['path'])}"


def _path_target(scope: Scope) -> str | None:
    params: dict[str, Any] = scope.get("path_params") or {}
    return ",".join(f"{k}:{v}" for k, v in params.items()) or None
