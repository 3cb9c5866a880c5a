"""What training-progress's routes receive from the app (``bootstrap`` puts it on ``app.state``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, cast

from fastapi import Depends, Request

from training_progress.service_layer.imports import Jobs
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from training_progress.settings import Settings as OwnSettings
from trainyard_common.http.deps import reading_unit_of_work, service_settings, unit_of_work
from trainyard_common.http.service_auth import caller

UnitOfWork = Annotated[ProgressUnitOfWork, Depends(unit_of_work)]
ReadingUnitOfWork = Annotated[ProgressUnitOfWork, Depends(reading_unit_of_work)]
"""A fresh unit of work (the use case or the route enters it)."""

Settings = Annotated[OwnSettings, Depends(service_settings)]


async def impersonator(request: Request) -> str | None:
    """The admin impersonating the learner on a learner route, as the gateway's signed token vouches."""
    return caller(request).impersonated_by


Impersonator = Annotated[str | None, Depends(impersonator)]
"""On a learner route: the admin acting through an impersonation (None: the learner themselves)."""


async def _units_of_work(request: Request) -> Callable[[], ProgressUnitOfWork]:
    return cast(Callable[[], ProgressUnitOfWork], request.app.state.unit_of_work)


async def _import_jobs(request: Request) -> Jobs:
    return cast(Jobs, request.app.state.import_jobs)


UnitsOfWork = Annotated[Callable[[], ProgressUnitOfWork], Depends(_units_of_work)]
"""The factory itself, for import jobs: they outlive the request and open several transactions."""

ImportJobs = Annotated[Jobs, Depends(_import_jobs)]
"""The process's background import jobs (analysis and commit)."""
