"""Wires the console into the gateway app: its static files, its error pages, offline /docs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from gateway.console.api import ApiError
from gateway.console.docs import install_docs
from gateway.console.session import Session
from gateway.console.web import CONSOLE, CsrfRefused, SignInRequired, current_session, render, signed_out

STATIC = f"{CONSOLE}/static"


def install_console(app: FastAPI) -> None:
    """The console's routes are in ``entrypoints.http.ROUTERS``; this adds what a router cannot."""
    app.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    install_docs(app)


async def _sign_in_required(request: Request, _: Exception) -> Response:
    return signed_out(request)


def _session_or_none(request: Request) -> Session | None:
    try:
        return current_session(request)
    except SignInRequired:
        return None


async def _csrf_refused(request: Request, _: Exception) -> Response:
    context = {"title": "Refused", "message": "The form's security token is missing or wrong; nothing was changed."}
    return render(request, "error.html", context, session=_session_or_none(request), status=403)


async def _api_error(request: Request, refused: ApiError) -> Response:
    if refused.status == 401:
        return signed_out(request)  # expired or revoked: sign in again
    title = "Not found" if refused.status == 404 else f"Error {refused.status}"
    context = {"title": title, "message": refused.message}
    return render(request, "error.html", context, session=_session_or_none(request), status=refused.status)
