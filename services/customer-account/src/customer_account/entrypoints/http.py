"""customer-account's internal HTTP API (reached only through the gateway): its routers, in the
order the app includes them."""

from __future__ import annotations

from customer_account.entrypoints import (
    customer_keys_http,
    customers_http,
    groups_http,
    imports_http,
    learners_http,
    records_http,
    registration_http,
    sessions_http,
    set_password_http,
)

ROUTERS = (
    registration_http.router,
    sessions_http.router,
    set_password_http.router,
    customers_http.router,
    records_http.router,
    learners_http.router,
    groups_http.router,
    imports_http.router,
    customer_keys_http.router,
)
