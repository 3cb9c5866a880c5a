"""training-progress's internal HTTP API (reached only through the gateway)."""

from collections.abc import Callable

from fastapi import APIRouter

from training_progress.entrypoints.catalogue_http import add_catalogue_routes
from training_progress.entrypoints.imports_http import add_import_routes
from training_progress.entrypoints.learners_http import add_learner_routes
from training_progress.entrypoints.progress_http import add_progress_routes
from training_progress.entrypoints.transcript_http import add_transcript_routes
from training_progress.service_layer.imports import Jobs
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.projections.customers import customer_projection_router


def build_router(
    uow_factory: Callable[[], ProgressUnitOfWork], jobs: Jobs, *, import_inline_seconds: float
) -> APIRouter:
    router = APIRouter()
    router.include_router(customer_projection_router(uow_factory))
    v1 = APIRouter(prefix="/v1")
    add_catalogue_routes(v1, uow_factory)
    add_progress_routes(v1, uow_factory)
    add_import_routes(v1, uow_factory, jobs, import_inline_seconds)
    add_learner_routes(v1, uow_factory)
    add_transcript_routes(v1, uow_factory)
    router.include_router(v1)
    return router
