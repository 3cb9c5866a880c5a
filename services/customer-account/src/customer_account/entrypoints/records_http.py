"""A customer's records: login history, activity log, order history, GDPR export part, and the
end of the customer (erasure with its certificate, deletion)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from customer_account.domain.errors import CustomerNotFound
from customer_account.entrypoints.deps import AdminActor, Settings, UnitOfWork
from customer_account.entrypoints.responses import activity_entry, deletion_status, order_entry
from customer_account.service_layer import erasure
from customer_account.service_layer.export import export_part
from trainyard_common.api.customers import (
    ActivityList,
    DeletionAccepted,
    DeletionStatus,
    ErasureConfirmation,
    ErasureStatus,
    LoginHistoryEntry,
    LoginHistoryList,
    OrderHistoryList,
)
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.errors import ErrorBody
from trainyard_common.http.export_parts import ExportPart

router = APIRouter(prefix="/v1", tags=["records"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


@router.get("/customers/{customer_id}/login-history", responses=NOT_FOUND)
async def login_history(
    customer_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0
) -> LoginHistoryList:
    """Time and IP of each sign-in, newest first; failures marked."""
    async with uow:
        if await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        attempts, total = await uow.logins.of_customer(customer_id, limit=limit, offset=offset)
    items = [LoginHistoryEntry(at=a.at, ip=a.ip, success=a.success) for a in attempts]
    return LoginHistoryList(items=items, total=total)


@router.get("/customers/{customer_id}/activity-log", responses=NOT_FOUND)
async def activity_log(customer_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0) -> ActivityList:
    """Every change with its time, type and actor, oldest first (impersonation marked)."""
    async with uow:
        if await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        entries, total = await uow.activity.of_customer(customer_id, limit=limit, offset=offset)
    return ActivityList(items=[activity_entry(e) for e in entries], total=total)


@router.get("/customers/{customer_id}/order-history")
async def order_history(
    customer_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0
) -> OrderHistoryList:
    """Orders completed for the customer, newest first (from commerce-access's OrderCompleted)."""
    async with uow:
        orders, total = await uow.orders.of_customer(customer_id, limit=limit, offset=offset)
    return OrderHistoryList(items=[order_entry(o) for o in orders], total=total)


@router.get("/customers/{customer_id}/export", responses=NOT_FOUND)
async def export(customer_id: uuid.UUID, uow: UnitOfWork) -> ExportPart:
    """customer-account's part of the GDPR export."""
    part = await export_part(uow, customer_id)
    if part is None:
        raise CustomerNotFound(customer_id)
    return part


@router.post(
    "/customers/{customer_id}/erasure",
    status_code=202,
    responses={**NOT_FOUND, 409: {"model": ErrorBody, "description": "`customer_not_inactive`"}},
)
async def erase(customer_id: uuid.UUID, actor: AdminActor, uow: UnitOfWork, settings: Settings) -> ErasureStatus:
    """Right to be forgotten (inactive customers only, irreversible); the services' receipts follow."""
    await erasure.erase(uow, customer_id, actor)
    return await erasure_status(customer_id, uow, settings)


@router.get("/customers/{customer_id}/erasure", responses=NOT_FOUND)
async def erasure_status(customer_id: uuid.UUID, uow: UnitOfWork, settings: Settings) -> ErasureStatus:
    """The certificate of erasure: which services confirmed, and when."""
    found = await erasure.certificate(uow, customer_id, settings.erasure_services)
    services = [
        ErasureConfirmation(
            service=s.service, confirmed=s.confirmed, confirmed_at=s.confirmed_at, removed=list(s.removed)
        )
        for s in found.services
    ]
    return ErasureStatus(
        customer_id=customer_id,
        kind="erased" if found.kind == "erased" else "deleted",
        requested_at=found.requested_at,
        complete=found.complete,
        services=services,
        key_destroyed_at=found.key_destroyed_at,
    )


DELETION_PATH = "/api/v1/admin/customers/{customer_id}/deletion"
"""Where the admin sees the outcome (the gateway's public path of ``deletion_status``)."""


@router.delete(
    "/customers/{customer_id}",
    status_code=202,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "`customer_has_orders` / `customer_has_access`"},
    },
)
async def delete(customer_id: uuid.UUID, actor: AdminActor, uow: UnitOfWork, response: Response) -> DeletionAccepted:
    """Ask for the deletion of a customer without orders or access: commerce-access decides
    (pending → done or refused); asked again while pending, the same request."""
    request = await erasure.request_deletion(uow, customer_id, actor)
    location = DELETION_PATH.format(customer_id=customer_id)
    response.headers["Location"] = location
    return DeletionAccepted(customer_id=customer_id, deletion=deletion_status(request), location=location)


@router.get("/customers/{customer_id}/deletion", responses=NOT_FOUND)
async def deletion_status_of(customer_id: uuid.UUID, uow: UnitOfWork) -> DeletionStatus:
    """The latest deletion request: pending, refused (with the reason) or done (the customer is gone)."""
    return deletion_status(await erasure.deletion(uow, customer_id))
