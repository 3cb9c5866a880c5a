"""Every state-changing request to the admin API leaves an audit entry, whatever its outcome.

``audited_route`` makes the route class of the admin router: each route's ASGI app is wrapped
so that, once the status is known (after the error handlers ran) and before the response
starts, an entry is written with the admin, the action (method and route path), the target
and the outcome. Writing it before the response means a client that reads the audit log
right after its request finds the entry. Requests without a valid token are not admin
actions and are not recorded here (the 401 is logged); a viewer's refused write is.
"""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from trainyard_common.correlation import current_correlation_id
from trainyard_common.logs import get_logger

from gateway.domain.admins import READ_ONLY_METHODS, Principal
from gateway.domain.audit import AuditEntry, outcome_of
from gateway.entrypoints.security import PRINCIPAL_STATE
from gateway.service_layer.audit import record
from gateway.service_layer.unit_of_work import GatewayUnitOfWork

log = get_logger(__name__)

TARGET_STATE = "audit_target"


def set_audit_target(request: Request, kind: str, identifier: object) -> None:
    """Name what the request acted on (e.g. the id of a created client) for its audit entry."""
    setattr(request.state, TARGET_STATE, f"{kind}:{identifier}")


def audited_route(uow_factory: Callable[[], GatewayUnitOfWork]) -> type[APIRoute]:
    class AuditedRoute(APIRoute):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _audited(self.app, self.path_format, uow_factory)

    return AuditedRoute


def _audited(app: ASGIApp, path: str, uow_factory: Callable[[], GatewayUnitOfWork]) -> ASGIApp:
    async def audited_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in READ_ONLY_METHODS:
            await app(scope, receive, send)
            return
        recorded = False

        async def send_after_audit(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                recorded = True
                await _record(uow_factory, scope, f"{scope['method']} {path}", message["status"])
            await send(message)

        try:
            await app(scope, receive, send_after_audit)
        except Exception:
            if not recorded:
                await _record(uow_factory, scope, f"{scope['method']} {path}", 500)
            raise

    return audited_app


async def _record(uow_factory: Callable[[], GatewayUnitOfWork], scope: Scope, action: str, status: int) -> None:
    state: dict[str, Any] = scope.get("state", {})
    principal: Principal | None = state.get(PRINCIPAL_STATE)
    if principal is None:
        return
    entry = AuditEntry(
        actor=principal.username,
        action=action,
        target=state.get(TARGET_STATE) or _path_target(scope),
        outcome=outcome_of(status),
        status_code=status,
        correlation_id=current_correlation_id(),
    )
    try:
        async with uow_factory() as uow:
            await record(uow, entry)
    except Exception:  # the action already happened; losing its entry must not hide that
        log.exception("audit entry not written", action=action, actor=entry.actor, status=status)


def _path_target(scope: Scope) -> str | None:
    params: dict[str, Any] = scope.get("path_params") or {}
    return ",".join(f"{k}:{v}" for k, v in params.items()) or None
