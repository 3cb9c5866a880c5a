"""The gateway's public HTTP API, assembled: auth, the guarded admin API, the learner API."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends

from gateway.adapters.services import Services
from gateway.entrypoints.admins import add_admin_routes
from gateway.entrypoints.auth import auth_router
from gateway.entrypoints.classes import add_class_routes
from gateway.entrypoints.clients import add_client_routes
from gateway.entrypoints.commerce import add_commerce_routes
from gateway.entrypoints.customer_views import add_customer_view_routes
from gateway.entrypoints.customers import add_customer_routes
from gateway.entrypoints.errors import AUTH_RESPONSES, ERROR_RESPONSES
from gateway.entrypoints.learner import add_learner_routes
from gateway.entrypoints.learner_account import add_learner_account_routes
from gateway.entrypoints.paths import ADMIN, LEARNER
from gateway.entrypoints.reports import add_report_routes
from gateway.entrypoints.security import admin_guard
from gateway.entrypoints.training import add_training_routes
from gateway.service_layer.auth import SignInThrottle
from gateway.service_layer.ports import Passwords
from gateway.service_layer.unit_of_work import GatewayUnitOfWork


@dataclass(frozen=True, slots=True)
class Wiring:
    uow_factory: Callable[[], GatewayUnitOfWork]
    services: Services
    passwords: Passwords
    token_ttl_seconds: int
    sign_in_throttle: SignInThrottle
    section_timeout_seconds: float = 2.0


def build_routers(wiring: Wiring) -> list[APIRouter]:
    admin = APIRouter(
        prefix=ADMIN,
        dependencies=[Depends(admin_guard(wiring.uow_factory))],  # every admin route, no exceptions
        responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
    )
    add_admin_routes(admin, wiring.uow_factory, wiring.passwords)
    add_client_routes(admin, wiring.services.client_directory)
    add_class_routes(admin, wiring.services.client_directory)
    add_report_routes(admin, wiring.services.client_directory)
    add_customer_view_routes(admin, wiring.services, section_timeout_seconds=wiring.section_timeout_seconds)
    add_customer_routes(admin, wiring.services.customer_account)
    learner = APIRouter(prefix=LEARNER, tags=["learner"], responses=ERROR_RESPONSES)
    add_learner_routes(learner, wiring.services.customer_account)
    add_commerce_routes(admin=admin, learner=learner, services=wiring.services)
    add_learner_account_routes(learner, wiring.services.customer_account)
    add_training_routes(admin=admin, learner=learner, services=wiring.services)
    auth = auth_router(
        wiring.uow_factory, wiring.passwords, ttl_seconds=wiring.token_ttl_seconds, throttle=wiring.sign_in_throttle
    )
    return [auth, admin, learner]
