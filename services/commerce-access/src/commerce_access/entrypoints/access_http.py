"""Content access: a customer's rows (history included) and an admin's date change."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from commerce_access.entrypoints.schemas import access_public
from commerce_access.service_layer.access import change_dates
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.api.commerce import AccessList, AccessPublic, AccessUpdate
from trainyard_common.http.errors import http_errors

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def add_access_routes(router: APIRouter, uow_factory: Callable[[], CommerceUnitOfWork]) -> None:
    UnitOfWork = Annotated[CommerceUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.get("/customers/{customer_id}/access", tags=["access"])
    async def customer_access(
        customer_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 100, offset: Offset = 0
    ) -> AccessList:
        """Every access row of the customer, revoked and expired ones included, newest first."""
        async with uow:
            found, total = await uow.access.of_customer(customer_id, limit, offset)
        return AccessList(items=[access_public(a) for a in found], total=total)

    @router.patch("/access/{access_id}", tags=["access"])
    async def change_access(access_id: uuid.UUID, body: AccessUpdate, uow: UnitOfWork) -> AccessPublic:
        """New start and end dates (`ends_on: null` = unlimited): AccessChanged."""
        with http_errors():
            return access_public(await change_dates(uow, access_id, body.starts_on, body.ends_on))
