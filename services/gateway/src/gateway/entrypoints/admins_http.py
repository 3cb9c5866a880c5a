"""Admin accounts and the audit log: POST /api/v1/admin/admins, GET /api/v1/admin/audit-log."""

from datetime import datetime
from typing import Annotated

from fastapi import Query, Request

from gateway.domain.admins import Admin
from gateway.domain.audit import AuditEntry, AuditQuery
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.deps import Passwords, UnitOfWork
from gateway.entrypoints.schemas import AdminCreate, AdminPublic, AuditEntryPublic, AuditLog
from gateway.entrypoints.security import admin_router
from gateway.service_layer.audit import audit_page
from gateway.service_layer.auth import CreateAdmin, create_admin
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.errors import ErrorBody

router = admin_router(tags=["auth"])


@router.post("/admins", status_code=201, responses={409: {"model": ErrorBody}})
async def create(body: AdminCreate, request: Request, uow: UnitOfWork, passwords: Passwords) -> AdminPublic:
    """Create an admin user with a role (admins only)."""
    async with uow:
        admin = await create_admin(uow, CreateAdmin(body.username, body.password, body.role), passwords=passwords)
    set_audit_target(request, "admin", admin.username)
    return _admin_public(admin)


@router.get("/audit-log")
async def audit_log(
    *,
    uow: UnitOfWork,
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
    query = AuditQuery(actor=actor, action=action, target=target, since=since, until=until, limit=limit, offset=offset)
    async with uow:
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
