"""What commerce-access's routes receive from the app (``trainyard_common.http.deps``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.http.deps import Limit, Offset, unit_of_work

UnitOfWork = Annotated[CommerceUnitOfWork, Depends(unit_of_work)]
"""A fresh unit of work; a use case (or the route, for a read) enters it (``async with uow``)."""

__all__ = ["Limit", "Offset", "UnitOfWork"]
