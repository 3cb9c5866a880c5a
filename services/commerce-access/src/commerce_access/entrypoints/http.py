"""commerce-access's internal HTTP API (reached only through the gateway)."""

from collections.abc import Callable

from fastapi import APIRouter

from commerce_access.entrypoints.access_http import add_access_routes
from commerce_access.entrypoints.codes_http import add_code_routes
from commerce_access.entrypoints.export_http import add_export_routes
from commerce_access.entrypoints.orders_http import add_order_routes
from commerce_access.entrypoints.products_http import add_product_routes
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.projections.customers import customer_projection_router


def build_router(uow_factory: Callable[[], CommerceUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1")
    add_product_routes(router, uow_factory)
    add_order_routes(router, uow_factory)
    add_access_routes(router, uow_factory)
    add_code_routes(router, uow_factory)
    add_export_routes(router, uow_factory)
    outer = APIRouter()
    outer.include_router(router)
    outer.include_router(customer_projection_router(uow_factory))
    return outer
