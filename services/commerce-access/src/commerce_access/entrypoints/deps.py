"""What commerce-access's routes receive from the app (``trainyard_common.http.deps``)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from commerce_access.service_layer.codes import PurchaserKey
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.http.deps import Ids, Limit, Offset, reading_unit_of_work, unit_of_work
from trainyard_common.http.service_auth import caller

UnitOfWork = Annotated[CommerceUnitOfWork, Depends(unit_of_work)]
ReadingUnitOfWork = Annotated[CommerceUnitOfWork, Depends(reading_unit_of_work)]
"""A fresh unit of work; a use case (or the route, for a read) enters it (``async with uow``)."""


async def impersonator(request: Request) -> str | None:
    """The admin impersonating the learner on a learner route, as the gateway's token vouches."""
    return caller(request).impersonated_by


Impersonator = Annotated[str | None, Depends(impersonator)]
"""On a learner route: the admin acting through an impersonation (None: the learner)."""


async def purchaser_keys(request: Request) -> PurchaserKey:
    """The purchasers' data keys (``bootstrap`` puts them on ``app.state``: customer-account's lookup)."""
    return cast(PurchaserKey, request.app.state.purchaser_keys)


PurchaserKeys = Annotated[PurchaserKey, Depends(purchaser_keys)]
"""Seals the invitee's e-mail in RegistrationCodeInvited with the purchaser's key."""

__all__ = ["Ids", "Impersonator", "Limit", "Offset", "PurchaserKeys", "UnitOfWork"]
