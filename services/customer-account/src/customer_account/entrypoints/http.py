"""customer-account's internal HTTP API (reached only through the gateway)."""

from __future__ import annotations

from fastapi import APIRouter

from customer_account.entrypoints.context import Context
from customer_account.entrypoints.customers_http import add_customer_routes
from customer_account.entrypoints.groups_http import add_group_routes
from customer_account.entrypoints.imports_http import add_import_routes
from customer_account.entrypoints.learners_http import add_learner_routes
from customer_account.entrypoints.records_http import add_record_routes
from customer_account.entrypoints.registration_http import add_registration_routes
from customer_account.entrypoints.sessions_http import add_session_routes


def build_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1")
    add_registration_routes(router, ctx)
    add_session_routes(router, ctx)
    add_customer_routes(router, ctx)
    add_record_routes(router, ctx)
    add_learner_routes(router, ctx)
    add_group_routes(router, ctx)
    add_import_routes(router, ctx)
    return router
