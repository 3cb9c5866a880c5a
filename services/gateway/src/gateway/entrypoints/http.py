"""The gateway's public HTTP API, in order: auth, the admin API (each area behind the admin
guard, see ``security.admin_router``), the learner API."""

from gateway import console
from gateway.entrypoints import (
    admins_http,
    auth_http,
    classes_http,
    clients_http,
    commerce_http,
    customer_views_http,
    customers_http,
    groups_http,
    integrations_http,
    learner_http,
    reports_http,
    training_http,
)

ADMIN_AREAS = (
    admins_http.router,
    integrations_http.router,
    clients_http.router,
    classes_http.router,
    reports_http.router,
    customer_views_http.router,
    customers_http.router,
    groups_http.router,
    commerce_http.router,
    training_http.router,
)
ROUTERS = (
    auth_http.router,
    *ADMIN_AREAS,
    integrations_http.subscriber_router,  # /api/v1/integrations: LMS integrations only
    learner_http.router,
    *console.ROUTERS,
)  # console: /admin/, no schema
