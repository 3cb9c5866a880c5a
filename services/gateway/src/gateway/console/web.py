"""What every console page shares: the session, the CSRF check, rendering with the console's
security headers, redirects.

Each page reads the session cookie, calls the public API in-process (``api.console_api``) with
the admin's token and renders what it answers. Forms post back (Post/Redirect/Get); every POST
carries the CSRF token (``session.csrf_token``) or gets 403. Errors of the API are shown in the
page, each field's reason next to its field; the API's 401 ends the session (sign in again), its
404 is the not-found page (``install.install_console``). Each area of the console is a module
with its own ``router`` (``console.ROUTERS``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from gateway.console.api import ApiError, ConsoleApi
from gateway.console.session import (
    CONSOLE_CSP,
    CSRF_FIELD,
    SESSION_COOKIE,
    Session,
    cookie_options,
    csrf_token,
    csrf_valid,
)
from trainyard_common.db.counting import COUNT_CAP
from trainyard_common.settings import Environment, ServiceSettings

CONSOLE = "/admin"
SIGN_IN = f"{CONSOLE}/sign-in"
CUSTOMERS = f"{CONSOLE}/customers"
"""The console's home: where signing in leads."""
PAGE_SIZE = 25

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def shown_total(found: Mapping[str, Any]) -> str:
    """A list's total as a page shows it: the big lists stop counting past ``COUNT_CAP``
    (``total_capped``), where the API's ``total`` is ``COUNT_CAP + 1``: shown "10,000+", not 10001."""
    if found.get("total_capped"):
        return f"{COUNT_CAP:,}+"
    return str(found.get("total", 0))


templates.env.filters["shown_total"] = shown_total


class SignInRequired(Exception):
    """No valid session: the page redirects to sign-in."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: 403, nothing done."""


def environment(request: Request) -> Environment:
    return cast(ServiceSettings, request.app.state.settings).environment


def current_session(request: Request) -> Session:
    session = Session.decode(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    return session


async def checked_form(request: Request, secret: str | None) -> FormData:
    form = await request.form()
    if not csrf_valid(secret, form.get(CSRF_FIELD)):
        raise CsrfRefused
    return form


def render(
    request: Request, name: str, context: dict[str, Any], *, session: Session | None, status: int = 200
) -> Response:
    page = {"session": session, "csrf": csrf_token(session.token) if session else None, **context}
    response = templates.TemplateResponse(request, name, page, status_code=status)
    return secured(response)


def secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    secured(response)
    return response


def signed_out(request: Request) -> RedirectResponse:
    """To the sign-in page, forgetting the session cookie."""
    response = redirect(SIGN_IN)
    response.delete_cookie(SESSION_COOKIE, **cookie_deletion(request))
    return response


def cookie_deletion(request: Request) -> dict[str, Any]:
    options = cookie_options(environment(request))
    return {k: options[k] for k in ("path", "secure", "httponly", "samesite")}


def cookie_settings(request: Request) -> dict[str, Any]:
    """The options of the console's cookies in this environment (Secure outside development)."""
    return cookie_options(environment(request))


def path_id(value: str, what: str = "item") -> uuid.UUID:
    """An id from the page's path; anything else is the not-found page, as the API would answer."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, "not_found", f"No such {what}.") from None


async def choices(api: ConsoleApi, path: str, **params: Any) -> list[Any]:
    """The items of a drop-down or filter; none when their service does not answer (the page still
    works), but the API's 401 still ends the session."""
    try:
        return list((await api.call("GET", path, params=params or None))["items"])
    except ApiError as refused:
        if refused.status == 401:
            raise
        return []
