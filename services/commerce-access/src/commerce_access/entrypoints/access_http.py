"""Content access: a customer's rows (history included) and an admin's date change."""

import uuid

from fastapi import APIRouter

from commerce_access.entrypoints.deps import Ids, Limit, Offset, ReadingUnitOfWork, UnitOfWork
from commerce_access.entrypoints.schemas import access_public
from commerce_access.service_layer.access import change_dates
from trainyard_common.api.commerce import AccessList, AccessPublic, AccessUpdate

router = APIRouter(prefix="/v1", tags=["access"])


@router.get("/customers/{customer_id}/access")
async def customer_access(
    customer_id: uuid.UUID, uow: ReadingUnitOfWork, limit: Limit = 100, offset: Offset = 0
) -> AccessList:
    """Every access row of the customer, revoked and expired ones included, newest first."""
    async with uow:
        found, total = await uow.access.of_customer(customer_id, limit, offset)
    return AccessList(items=[access_public(a) for a in found], total=total)


@router.get("/access")
async def access_among(uow: ReadingUnitOfWork, access_id: Ids) -> AccessList:
    """These access rows, whoever holds them (unknown ids are left out), newest first: what the
    gateway's customer view reads when events name them."""
    async with uow:
        found = await uow.access.among(access_id)
    return AccessList(items=[access_public(a) for a in found], total=len(found))


@router.patch("/access/{access_id}")
async def change_access(access_id: uuid.UUID, body: AccessUpdate, uow: UnitOfWork) -> AccessPublic:
    """New start and end dates (`ends_on: null` = unlimited): AccessChanged."""
    return access_public(await change_dates(uow, access_id, body.starts_on, body.ends_on))
