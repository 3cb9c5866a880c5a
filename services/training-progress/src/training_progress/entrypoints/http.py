"""training-progress's internal HTTP API (reached only through the gateway): every router, in the
order the app includes them."""

from training_progress.entrypoints import catalogue_http, imports_http, learners_http, progress_http, transcript_http
from trainyard_common.projections import customers

ROUTERS = (
    customers.router,
    catalogue_http.router,
    progress_http.router,
    imports_http.router,
    learners_http.router,
    transcript_http.router,
)
