"""Admin accounts and the audit log: POST /api/v1/admin/admins, GET /api/v1/admin/audit-log."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request

from gateway.domain.admins import Admin, InvalidAdmin
from gateway.domain.audit import AuditEntry
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.schemas import AdminCreate, AdminPublic, AuditEntryPublic, AuditLog
from gateway.service_layer.audit import AuditQuery, audit_page
from gateway.service_layer.auth import CreateAdmin, UsernameTaken, create_admin
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.http.errors import Conflict, ErrorBody, ErrorDetail, Unprocessable

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def add_admin_routes(router: APIRouter, uow_factory: Callable[[], GatewayUnitOfWork], passwords: Passwords) -> None:
    @router.post("/admins", status_code=201, tags=["auth"], responses={409: {"model": ErrorBody}})
    async def create(body: AdminCreate, request: Request) -> AdminPublic:
        """Create an admin user with a role (admins only)."""
        try:
            async with uow_factory() as uow:
                admin = await create_admin(
                    uow, CreateAdmin(body.username, body.password, body.role), passwords=passwords
                )
        except InvalidAdmin as exc:
            raise Unprocessable(
                "The admin is not valid.", details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]
            ) from exc
        except UsernameTaken as exc:
            detail = ErrorDetail(field="username", reason="already taken")
            raise Conflict("An admin with this username exists.", code="username_taken", details=[detail]) from exc
        set_audit_target(request, "admin", admin.username)
        return _admin_public(admin)

    @router.get("/audit-log", tags=["auth"])
    async def audit_log(
        actor: str | None = None, action: str | None = None, limit: Limit = 50, offset: Offset = 0
    ) -> AuditLog:
        """Every admin action, newest first: who, when, what, target and outcome."""
        async with uow_factory() as uow:
            entries, total = await audit_page(uow, AuditQuery(actor=actor, action=action, limit=limit, offset=offset))
        return AuditLog(items=[_entry_public(e) for e in entries], total=total)


def _admin_public(admin: Admin) -> AdminPublic:
    return AdminPublic(id=admin.id, username=admin.username, role=admin.role, created_at=admin.created_at)


def _entry_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        outcome=entry.outcome.value,
        status_code=entry.status_code,
        correlation_id=entry.correlation_id,
    )
