"""Signing in to the console and out of it: the admin's token in an HttpOnly cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, console_api
from gateway.console.session import (
    PRE_SESSION_COOKIE,
    PRE_SESSION_SECONDS,
    SESSION_COOKIE,
    Session,
    csrf_token,
    new_pre_session,
)
from gateway.console.web import (
    CONSOLE,
    CUSTOMERS,
    checked_form,
    cookie_deletion,
    cookie_settings,
    current_session,
    redirect,
    render,
    signed_out,
)
from gateway.entrypoints.paths import AUTH

router = APIRouter(prefix=CONSOLE, include_in_schema=False)


@router.get("")
@router.get("/")
async def home() -> Response:
    return redirect(CUSTOMERS)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    return _sign_in_form(request, {})


def _sign_in_form(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    pre = request.cookies.get(PRE_SESSION_COOKIE) or new_pre_session()
    response = render(
        request, "sign_in.html", {"sign_in_csrf": csrf_token(pre), **context}, session=None, status=status
    )
    response.set_cookie(PRE_SESSION_COOKIE, pre, max_age=PRE_SESSION_SECONDS, **cookie_settings(request))
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await checked_form(request, request.cookies.get(PRE_SESSION_COOKIE))
    username = str(form.get("username", ""))
    credentials = {"username": username, "password": str(form.get("password", ""))}
    try:
        async with console_api(request, None) as api:
            issued = await api.call("POST", f"{AUTH}/token", json=credentials)
    except ApiError as refused:
        return _sign_in_form(request, {"error": refused, "username": username}, status=refused.status)
    session = Session(token=issued["access_token"], username=username, role=issued.get("role") or "viewer")
    response = redirect(CUSTOMERS)
    response.set_cookie(SESSION_COOKIE, session.encode(), max_age=int(issued["expires_in"]), **cookie_settings(request))
    response.delete_cookie(PRE_SESSION_COOKIE, **cookie_deletion(request))
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{AUTH}/token")
    except ApiError as refused:
        if refused.status != 401:  # already expired or revoked: signed out all the same
            raise
    return signed_out(request)
