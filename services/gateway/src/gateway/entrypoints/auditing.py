"""Every state-changing request to the admin API leaves an audit entry, whatever its outcome.

``AuditMiddleware`` watches every non-read request under the admin prefix. When the response
starts (after the error handlers ran, so the status is the one the admin gets) it writes an
entry: the admin, the action (method and route path), the target and the outcome. Writing it
before the response starts means a client reading the audit log right after its request finds
the entry. Requests the guard did not authenticate (401) are not admin actions and are not
recorded here; a viewer's refused write (403) is.
"""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain.admins import READ_ONLY_METHODS, Principal
from gateway.domain.audit import AuditEntry, outcome_of
from gateway.entrypoints.security import PRINCIPAL_STATE
from gateway.service_layer.audit import record
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.correlation import current_correlation_id
from trainyard_common.logs import get_logger

log = get_logger(__name__)

TARGET_STATE = "audit_target"


def set_audit_target(request: Request, kind: str, identifier: object) -> None:
    """Name what the request acted on (e.g. the id of a created client) for its audit entry."""
    setattr(request.state, TARGET_STATE, f"{kind}:{identifier}")


class AuditMiddleware:
    def __init__(self, app: ASGIApp, *, prefix: str, uow_factory: Callable[[], GatewayUnitOfWork]) -> None:
        self.app = app
        self.prefix = prefix
        self.uow_factory = uow_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._audits(scope):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with request.state all the way down
        recorded = False

        async def send_after_audit(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                recorded = True
                await self._record(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_after_audit)
        except Exception:
            if not recorded:
                await self._record(scope, 500)
            raise

    def _audits(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope["method"] not in READ_ONLY_METHODS
            and (scope["path"] == self.prefix or scope["path"].startswith(f"{self.prefix}/"))
        )

    async def _record(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope["state"]
        principal: Principal | None = state.get(PRINCIPAL_STATE)
        if principal is None:
            return
        entry = AuditEntry(
            actor=principal.username,
            action=_action(scope),
            target=state.get(TARGET_STATE) or _path_target(scope),
            outcome=outcome_of(status),
            status_code=status,
            correlation_id=current_correlation_id(),
        )
        try:
            async with self.uow_factory() as uow:
                await record(uow, entry)
        except Exception:  # the action happened; a lost entry must not turn its answer into a 500
            log.exception("audit entry not written", action=entry.action, actor=entry.actor, status=status)


def _action(scope: Scope) -> str:
    route = scope.get("route")
    return f"{scope['method']} {getattr(route, 'path_format', scope['path'])}"


def _path_target(scope: Scope) -> str | None:
    params: dict[str, Any] = scope.get("path_params") or {}
    return ",".join(f"{k}:{v}" for k, v in params.items()) or None
