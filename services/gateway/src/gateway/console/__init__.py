"""The admin console: server-rendered pages under ``/admin/`` that act through the public API.

Each area is a module with its own ``router``; ``ROUTERS`` lists them for the gateway's app.
"""

from gateway.console import customers, sign_in

ROUTERS = (sign_in.router, customers.router)
