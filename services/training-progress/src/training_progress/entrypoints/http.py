"""training-progress's internal HTTP API (reached only through the gateway): every router, in the
order the app includes them, and the one refusal the shared error handlers do not know (403)."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from training_progress.domain.errors import NotAllowed
from training_progress.entrypoints import catalogue_http, imports_http, learners_http, progress_http, transcript_http
from trainyard_common.http.errors import ErrorDetail, error_response
from trainyard_common.projections import customers

ROUTERS = (
    customers.router,
    catalogue_http.router,
    progress_http.router,
    imports_http.router,
    learners_http.router,
    transcript_http.router,
)


async def _not_allowed(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotAllowed)
    details = [ErrorDetail(field=exc.field_name, reason=exc.field_reason)] if exc.field_name else []
    return error_response(403, exc.code or "forbidden", exc.message, details)


def install_error_handlers(app: FastAPI) -> None:
    """A learner's refused request (``NotAllowed``): 403 with its code, in the one error body.
    Starlette picks the most specific handler, so this one wins over the shared DomainError's."""
    app.add_exception_handler(NotAllowed, _not_allowed)
