"""client-directory's internal HTTP API (reached only through the gateway), in inclusion order."""

from client_directory.entrypoints import classes_http, clients_http, learners_http, reports_http

ROUTERS = (clients_http.router, classes_http.router, reports_http.router, learners_http.router)
