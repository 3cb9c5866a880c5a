"""One error body for every HTTP API: ``{"error": {"code", "message", "details": [{field, reason}]}}``.

Use cases raise the domain's errors (``trainyard_common.domain_errors``), routes may raise
``ApiError`` subclasses; the handlers installed by ``install_error_handlers`` turn those,
FastAPI's validation errors and malformed JSON into that body with a 4xx status. An unexpected
exception becomes a 500 with the same shape and no internals, and is logged with the
correlation id.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from trainyard_common.domain_errors import Conflicting, DomainError, InvalidInput, NotFoundError
from trainyard_common.error_text import reason_without_input
from trainyard_common.logs import get_logger

log = get_logger(__name__)


class ErrorDetail(BaseModel):
    field: str
    reason: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    error: ErrorInfo


class ApiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[ErrorDetail] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class Unprocessable(ApiError):
    status_code = 422
    code = "validation_failed"


def error_response(status: int, code: str, message: str, details: list[ErrorDetail] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorInfo(code=code, message=message, details=details or []))
    return JSONResponse(status_code=status, content=body.model_dump())


_STATUS_AND_CODE: tuple[tuple[type[DomainError], int, str], ...] = (
    (InvalidInput, 422, Unprocessable.code),
    (Conflicting, 409, Conflict.code),
    (NotFoundError, 404, NotFound.code),
)


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The one mapping of the domain's refusals to HTTP (``trainyard_common.domain_errors``)."""
    status, code = next(((s, c) for kind, s, c in _STATUS_AND_CODE if isinstance(exc, kind)), (400, BadRequest.code))
    details = [ErrorDetail(field=exc.field_name, reason=exc.field_reason)] if exc.field_name else []
    return error_response(status, exc.code or code, exc.message, details)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _database_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _value_refused_by_database)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(InterfaceError, _database_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status_code, exc.code, exc.message, exc.details)


async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    return domain_error_response(exc)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """Field and reason only: never the submitted value, even one a validator quoted in its reason."""
    errors: list[dict[str, Any]] = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    details = [ErrorDetail(field=_field_name(e["loc"]), reason=reason_without_input(e)) for e in errors]
    return error_response(422, "validation_failed", "The request is not valid.", details)


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def _database_unavailable(request: Request, exc: DBAPIError | PoolTimeout) -> JSONResponse:
    """The database is unreachable (restarting, failing over) or every pooled connection stayed
    busy too long: a retryable 503, not a 500."""
    log.warning("database unavailable", path=request.url.path, error=repr(exc))
    return error_response(503, "service_unavailable", "The service cannot reach its database; try again shortly.")


async def _value_refused_by_database(request: Request, exc: DataError) -> JSONResponse:
    """A value the database cannot hold (a NUL character, a number out of range): the caller's
    input, so a 422 rather than a 500. Nothing was written: the transaction is rolled back."""
    log.info("value refused by the database", path=request.url.path, error=repr(exc.orig))
    return error_response(422, "invalid_value", "A value in the request is not acceptable (out of range or malformed).")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, error=exc)  # logs.py keeps input values out
    return error_response(500, "internal_error", "Something went wrong on our side.")


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"
