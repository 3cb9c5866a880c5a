"""commerce-access's internal HTTP API (reached only through the gateway)."""

from collections.abc import Callable

from fastapi import APIRouter

from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.projections.customers import customer_projection_router


def build_router(uow_factory: Callable[[], CommerceUnitOfWork]) -> APIRouter:
    router = APIRouter()
    router.include_router(customer_projection_router(uow_factory))
    return router
