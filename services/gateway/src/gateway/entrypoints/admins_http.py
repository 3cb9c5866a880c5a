"""Admin accounts and the audit log: POST /api/v1/admin/admins, PATCH and DELETE
/api/v1/admin/admins/{username}, PUT /api/v1/admin/admins/{username}/password,
GET /api/v1/admin/audit-log."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query, Request, Response

from gateway.domain.admins import Admin
from gateway.domain.audit import AuditQuery, audit_row
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.auth_http import HashGate
from gateway.entrypoints.deps import Passwords, ReadingUnitOfWork, UnitOfWork
from gateway.entrypoints.errors import HASHING_RESPONSES
from gateway.entrypoints.schemas import (
    AdminCreate,
    AdminPasswordReset,
    AdminPublic,
    AdminUpdate,
    AuditLog,
)
from gateway.entrypoints.security import Admin as Acting
from gateway.entrypoints.security import admin_router
from gateway.service_layer.admin_accounts import (
    DeleteAdmin,
    ResetPassword,
    UpdateAdmin,
    delete_admin,
    reset_password,
    update_admin,
)
from gateway.service_layer.audit import audit_page
from gateway.service_layer.auth import CreateAdmin, create_admin
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.errors import ErrorBody
from trainyard_common.http.plain_json import PlainJSON, capped_page

router = admin_router(tags=["auth"])


@router.post("/admins", status_code=201, responses={409: {"model": ErrorBody}, **HASHING_RESPONSES})
async def create(
    body: AdminCreate, request: Request, uow: UnitOfWork, passwords: Passwords, gate: HashGate
) -> AdminPublic:
    """Create an admin user with a role (admins only). The password passes the one policy
    (`weak_password` otherwise)."""
    async with uow:
        admin = await create_admin(
            uow, CreateAdmin(body.username, body.password, body.role), passwords=passwords, gate=gate
        )
    set_audit_target(request, "admin", admin.username)
    return _admin_public(admin)


@router.patch("/admins/{username}", responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def update(username: str, body: AdminUpdate, request: Request, uow: UnitOfWork, actor: Acting) -> AdminPublic:
    """Change an admin's role and/or disable (`active: false`: its tokens end at once) or enable
    it. 409 `last_admin` when no active admin with the `admin` role would remain."""
    set_audit_target(request, "admin", username.strip().lower())
    async with uow:
        admin = await update_admin(
            uow, UpdateAdmin(actor, username, role=body.role, active=body.active), now=datetime.now(UTC)
        )
    return _admin_public(admin)


@router.put(
    "/admins/{username}/password",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, **HASHING_RESPONSES},
)
async def reset(
    *,
    username: str,
    body: AdminPasswordReset,
    request: Request,
    uow: UnitOfWork,
    passwords: Passwords,
    gate: HashGate,
    actor: Acting,
) -> Response:
    """Reset another admin's password (`weak_password` when the policy refuses it); every token of
    that admin ends at once. One's own password changes with PUT /api/v1/auth/password."""
    set_audit_target(request, "admin", username.strip().lower())
    async with uow:
        await reset_password(
            uow, ResetPassword(actor, username, body.password), passwords=passwords, now=datetime.now(UTC), gate=gate
        )
    return Response(status_code=204)


@router.delete(
    "/admins/{username}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
async def remove(username: str, request: Request, uow: UnitOfWork, actor: Acting) -> Response:
    """Delete an admin and its tokens (never the last active admin with the `admin` role)."""
    set_audit_target(request, "admin", username.strip().lower())
    async with uow:
        await delete_admin(uow, DeleteAdmin(actor, username))
    return Response(status_code=204)


@router.get("/audit-log", response_model=AuditLog)
async def audit_log(
    *,
    uow: ReadingUnitOfWork,
    actor: Annotated[str | None, Query(examples=["ada"])] = None,
    action: Annotated[str | None, Query(examples=["POST /api/v1/admin/clients"])] = None,
    target: Annotated[str | None, Query(examples=["client:0b6f7c2e-5c1a-4a55-9d1e-3f0c2d9b8a11"])] = None,
    since: Annotated[datetime | None, Query(alias="from", description="Entries at or after this time.")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Entries before this time.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlainJSON:
    """Every admin action, newest first: who, when, what, target and outcome. Read-only: entries
    cannot be edited or deleted through the API."""
    query = AuditQuery(actor=actor, action=action, target=target, since=since, until=until, limit=limit, offset=offset)
    async with uow:
        entries, total = await audit_page(uow, query)
    # Written straight out, as the services' admin lists are: ``audit_row`` is ``AuditEntryPublic``'s
    # fields (the gateway's unit tests compare the two), and validating fifty models only to
    # serialize them again was most of a page's CPU.
    return PlainJSON(capped_page([audit_row(e) for e in entries], total))


def _admin_public(admin: Admin) -> AdminPublic:
    return AdminPublic(
        id=admin.id, username=admin.username, role=admin.role, created_at=admin.created_at, active=admin.active
    )
