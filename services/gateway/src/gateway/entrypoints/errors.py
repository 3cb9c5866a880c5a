"""Gateway-specific errors on top of the shared error body (trainyard_common.http.errors)."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.domain.replies import ServiceUnavailable
from gateway.service_layer.auth import InvalidCredentials, TooManyAttempts
from trainyard_common.http.errors import ApiError, ErrorBody, Unauthorized, error_response
from trainyard_common.passwords.gate import install_hashing_busy_handler

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Malformed request (e.g. invalid JSON)."},
    422: {"model": ErrorBody, "description": "Invalid fields, each named in `details`."},
    503: {"model": ErrorBody, "description": "The service behind this route is down or too slow."},
}
HASHING_RESPONSES: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorBody, "description": "Too many password checks at once (`busy`); see `Retry-After`."},
}
AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "Missing, unknown, expired or revoked bearer token."},
    403: {"model": ErrorBody, "description": "The admin's role may not do this (viewers only read)."},
}


class AuthenticationRequired(Unauthorized):
    """A 401 that carries the ``WWW-Authenticate: Bearer`` challenge."""


class SlowDown(ApiError):
    """A 429 that says, in ``Retry-After``, when to try again."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def install_gateway_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AuthenticationRequired, _authentication_required)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceUnavailable, _service_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(SlowDown, _slow_down)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidCredentials, _invalid_credentials)  # type: ignore[arg-type]
    app.add_exception_handler(TooManyAttempts, _too_many_attempts)  # type: ignore[arg-type]
    install_hashing_busy_handler(app)  # 503 with Retry-After when every password-hashing slot is taken


async def _invalid_credentials(request: Request, _: InvalidCredentials) -> JSONResponse:
    return await _authentication_required(
        request, AuthenticationRequired("Wrong username or password.", code="invalid_credentials")
    )


async def _too_many_attempts(request: Request, exc: TooManyAttempts) -> JSONResponse:
    return await _slow_down(
        request, SlowDown("Too many failed sign-ins; try again later.", retry_after=exc.retry_after)
    )


async def _slow_down(_: Request, exc: SlowDown) -> JSONResponse:
    response = error_response(exc.status_code, exc.code, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _authentication_required(_: Request, exc: AuthenticationRequired) -> JSONResponse:
    response = error_response(exc.status_code, exc.code, exc.message, exc.details)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _service_unavailable(_: Request, __: ServiceUnavailable) -> JSONResponse:
    # Which service and why is in the log (with the correlation id), not in a public response.
    return error_response(503, "service_unavailable", "A service this request needs is unavailable; try again shortly.")
