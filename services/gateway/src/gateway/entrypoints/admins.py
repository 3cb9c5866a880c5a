"""Admin accounts and the audit log: POST /api/v1/admin/admins, GET /api/v1/admin/audit-log."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from gateway.domain.admins import Admin, InvalidAdmin
from gateway.domain.audit import AuditEntry, AuditQuery
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.schemas import AdminCreate, AdminPublic, AuditEntryPublic, AuditLog
from gateway.service_layer.audit import audit_page
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
        *,
        actor: Annotated[str | None, Query(examples=["ada"])] = None,
        action: Annotated[str | None, Query(examples=["POST /api/v1/admin/clients"])] = None,
        target: Annotated[str | None, Query(examples=["client:0b6f7c2e-5c1a-4a55-9d1e-3f0c2d9b8a11"])] = None,
        since: Annotated[datetime | None, Query(alias="from", description="Entries at or after this time.")] = None,
        until: Annotated[datetime | None, Query(alias="to", description="Entries before this time.")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> AuditLog:
        """Every admin action, newest first: who, when, what, target and outcome. Read-only: entries
        cannot be edited or deleted through the API."""
        query = AuditQuery(
            actor=actor, action=action, target=target, since=since, until=until, limit=limit, offset=offset
        )
        async with uow_factory() as uow:
            entries, total = await audit_page(uow, query)
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
