"""client-directory's internal HTTP API (reached only through the gateway)."""

from collections.abc import Callable

from fastapi import APIRouter

from client_directory.entrypoints.classes_http import add_class_routes
from client_directory.entrypoints.clients_http import add_client_routes
from client_directory.entrypoints.learners_http import add_learner_routes
from client_directory.entrypoints.reports_http import add_report_routes
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork


def build_router(uow_factory: Callable[[], DirectoryUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1")
    add_client_routes(router, uow_factory)
    add_class_routes(router, uow_factory)
    add_report_routes(router, uow_factory)
    add_learner_routes(router, uow_factory)
    return router
