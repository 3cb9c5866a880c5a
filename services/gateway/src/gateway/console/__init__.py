"""The admin console: server-rendered pages under ``/admin/`` that act through the public API.

Each area is a module with its own ``router``; ``ROUTERS`` lists them for the gateway's app.
"""

from gateway.console import admin_accounts, admin_tools, catalogue, customer_details, customers, sign_in, training
from gateway.console import classes as class_pages
from gateway.console import clients as client_pages
from gateway.console import reports as report_pages

ROUTERS = (
    sign_in.router,
    customers.router,
    training.router,
    catalogue.router,
    customer_details.router,
    client_pages.router,
    class_pages.router,
    report_pages.router,
    admin_tools.router,
    admin_accounts.router,
)
