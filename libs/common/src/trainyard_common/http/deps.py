"""What routes receive from the app they run in, and the paging parameters they share.

``ServiceRuntime.assemble`` puts the service's unit-of-work factory and settings on the app's
state; each service's ``entrypoints/deps.py`` turns these providers into ``Annotated`` aliases
of its own types (``UnitOfWork``, ``Settings``), so a route is a plain module-level function.
The providers are ``async`` although they never wait: FastAPI runs a plain ``def`` dependency
in a worker thread, a thread hop per request for a getter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, cast

from fastapi import Query, Request

from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.settings import ServiceSettings

Limit = Annotated[int, Query(ge=1, le=500, description="Most items to return.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
MAX_IDS_PER_READ = 100
Ids = Annotated[list[uuid.UUID], Query(min_length=1, max_length=MAX_IDS_PER_READ, description="Repeat the parameter.")]
"""Rows read by their ids, up to 100 to a call (the gateway's customer view reads them so)."""


async def unit_of_work(request: Request) -> SqlUnitOfWork:
    """A fresh unit of work of the service (entered by the route: ``async with uow``)."""
    factory = cast(Callable[[], SqlUnitOfWork], request.app.state.unit_of_work)
    return factory()


async def reading_unit_of_work(request: Request) -> SqlUnitOfWork:
    """A fresh unit of work for a route that only reads (``ServiceRuntime.reading_unit_of_work``)."""
    factory = cast(Callable[[], SqlUnitOfWork], request.app.state.reading_unit_of_work)
    return factory()


async def service_settings(request: Request) -> ServiceSettings:
    return cast(ServiceSettings, request.app.state.settings)
