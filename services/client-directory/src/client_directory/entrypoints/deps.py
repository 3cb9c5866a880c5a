"""What client-directory's routes receive from the app (``trainyard_common.http.deps``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.http.deps import Limit, Offset, reading_unit_of_work, unit_of_work

UnitOfWork = Annotated[DirectoryUnitOfWork, Depends(unit_of_work)]
ReadingUnitOfWork = Annotated[DirectoryUnitOfWork, Depends(reading_unit_of_work)]
"""A fresh unit of work; the route enters it (``async with uow``)."""

__all__ = ["Limit", "Offset", "UnitOfWork"]
