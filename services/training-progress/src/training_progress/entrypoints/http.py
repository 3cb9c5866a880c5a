"""training-progress's internal HTTP API (reached only through the gateway)."""

from collections.abc import Callable

from fastapi import APIRouter

from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.projections.customers import customer_projection_router


def build_router(uow_factory: Callable[[], ProgressUnitOfWork]) -> APIRouter:
    router = APIRouter()
    router.include_router(customer_projection_router(uow_factory))
    return router
