"""commerce-access's internal HTTP API (reached only through the gateway), in inclusion order."""

from commerce_access.entrypoints import access_http, codes_http, export_http, orders_http, products_http
from trainyard_common.projections import customers

ROUTERS = (
    products_http.router,
    orders_http.router,
    access_http.router,
    codes_http.router,
    export_http.router,
    customers.router,
)
