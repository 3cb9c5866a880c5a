"""The audit log with its filters, admin accounts, LMS integrations and the signed-in admin's own
password.

The API has no route listing admins (only create, change, reset, delete by username): the Admins
screen creates one and manages an admin by username, showing what the API answered last.
An integration's secret is in the creation's answer only, so that answer is rendered at once
(no redirect: the secret never goes into a URL) and the page is not cached (``no-store``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, console_api
from gateway.console.session import Session
from gateway.console.web import CONSOLE, checked_form, current_session, redirect, render
from gateway.domain.integrations import Scope
from gateway.entrypoints.paths import ADMIN, AUTH

router = APIRouter(prefix=CONSOLE, include_in_schema=False)

AUDIT = f"{CONSOLE}/audit-log"
ADMINS = f"{CONSOLE}/admins"
INTEGRATIONS = f"{CONSOLE}/integrations"
PASSWORD = f"{CONSOLE}/password"
AUDIT_PAGE = 50
ROLES = ("admin", "viewer")
SCOPES = tuple(scope.value for scope in Scope)
"""Every scope an integration may be given (the domain's list, so a new scope shows up here)."""


# --- Audit log ------------------------------------------------------------------------------


@router.get("/audit-log")
async def audit_log(request: Request) -> Response:
    session = current_session(request)
    q = request.query_params
    filters = {k: q.get(k, "").strip() for k in ("actor", "action", "target", "from", "to")}
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    context: dict[str, Any] = {"filters": filters, "offset": offset, "page_size": AUDIT_PAGE}
    found: dict[str, Any] = {"items": [], "total": 0}
    try:
        params: dict[str, Any] = {**filters, "from": _instant(filters, "from"), "to": _instant(filters, "to")}
        params |= {"limit": AUDIT_PAGE, "offset": offset}
        async with console_api(request, session.token) as api:
            found = await api.call("GET", f"{ADMIN}/audit-log", params=params)
    except ApiError as refused:
        if refused.status in (401, 403) or refused.status >= 500:
            raise
        context["error"] = refused
    context["found"] = found
    context["previous"] = _audit_link(filters, offset - AUDIT_PAGE) if offset > 0 else None
    context["next"] = _audit_link(filters, offset + AUDIT_PAGE) if offset + AUDIT_PAGE < found["total"] else None
    return render(request, "admin_tools/audit_log.html", context, session=session, status=200)


def _instant(filters: dict[str, str], name: str) -> str | None:
    """A date or date-and-time of the filter form (read as UTC when it has no offset), as ISO 8601."""
    text = filters[name]
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(422, "invalid", "The filters are not valid.", {name: "not a date and time"}) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def _audit_link(filters: dict[str, str], offset: int) -> str:
    params = {k: v for k, v in filters.items() if v}
    return f"{AUDIT}?{urlencode({**params, 'offset': max(offset, 0)})}"


# --- Admins -------------------------------------------------------------------------------


@router.get("/admins")
async def admins_page(request: Request) -> Response:
    session = current_session(request)
    return render(request, "admin_tools/admins.html", {"values": {}, "roles": ROLES}, session=session)


@router.get("/admins/manage")
async def manage_by_name(request: Request) -> Response:
    current_session(request)
    username = request.query_params.get("username", "").strip().lower()
    return redirect(f"{ADMINS}/{quote(username, safe='')}" if username else ADMINS)


@router.post("/admins")
async def create_admin(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = {k: str(form.get(k, "")).strip() for k in ("username", "role")}
    body = {**values, "password": str(form.get("password", ""))}
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/admins", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        context = {"values": values, "roles": ROLES, "error": refused}
        return render(request, "admin_tools/admins.html", context, session=session, status=refused.status)
    return redirect(_admin_link(created, "created"))


def _admin_link(admin: dict[str, Any], done: str) -> str:
    state = urlencode({"done": done, "role": admin["role"], "active": "yes" if admin["active"] else "no"})
    return f"{ADMINS}/{quote(admin['username'], safe='')}?{state}"


@router.get("/admins/{username}")
async def admin_page(request: Request, username: str) -> Response:
    session = current_session(request)
    q = request.query_params
    state = {"role": q.get("role"), "active": q.get("active")}
    return _admin(request, session, username, done=q.get("done"), state=state)


def _admin(
    request: Request,
    session: Session,
    username: str,
    *,
    done: str | None = None,
    state: dict[str, str | None] | None = None,
    error: ApiError | None = None,
) -> Response:
    context = {"username": username, "roles": ROLES, "done": done, "state": state or {}, "error": error}
    return render(request, "admin_tools/admin.html", context, session=session, status=error.status if error else 200)


@router.post("/admins/{username}/role")
async def change_role(request: Request, username: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    return await _patch(request, session, username, {"role": str(form.get("role", ""))}, done="role")


@router.post("/admins/{username}/active")
async def set_active(request: Request, username: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    active = form.get("active") == "true"
    return await _patch(request, session, username, {"active": active}, done="enabled" if active else "disabled")


async def _patch(request: Request, session: Session, username: str, body: dict[str, Any], *, done: str) -> Response:
    try:
        async with console_api(request, session.token) as api:
            changed = await api.call("PATCH", f"{ADMIN}/admins/{quote(username, safe='')}", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return _admin(request, session, username, error=refused)
    return redirect(_admin_link(changed, done))


@router.post("/admins/{username}/password")
async def reset_password(request: Request, username: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = {"password": str(form.get("password", ""))}
    try:
        async with console_api(request, session.token) as api:
            await api.call("PUT", f"{ADMIN}/admins/{quote(username, safe='')}/password", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return _admin(request, session, username, error=refused)
    return redirect(f"{ADMINS}/{quote(username, safe='')}?done=password")


@router.get("/admins/{username}/delete")
async def confirm_delete(request: Request, username: str) -> Response:
    session = current_session(request)
    context = {"title": f"Delete admin {username}?", "action": f"{ADMINS}/{quote(username, safe='')}/delete"}
    context |= {"button": "Delete Admin", "back": f"{ADMINS}/{quote(username, safe='')}"}
    context["message"] = "The admin can no longer sign in and every token of theirs ends. This cannot be undone."
    return render(request, "admin_tools/confirm.html", context, session=session)


@router.post("/admins/{username}/delete")
async def delete_admin(request: Request, username: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{ADMIN}/admins/{quote(username, safe='')}")
    except ApiError as refused:
        if refused.status == 401:
            raise
        return _admin(request, session, username, error=refused)
    return redirect(f"{ADMINS}?{urlencode({'deleted': username})}")


# --- LMS integrations -----------------------------------------------------------------------


@router.get("/integrations")
async def integrations_page(request: Request) -> Response:
    session = current_session(request)
    return await _integrations(request, session, values={}, done=request.query_params.get("done"))


async def _integrations(
    request: Request,
    session: Session,
    *,
    values: dict[str, Any],
    done: str | None = None,
    error: ApiError | None = None,
) -> Response:
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/integrations")
    context = {"integrations": found["items"], "scopes": SCOPES, "values": values, "done": done, "error": error}
    status = error.status if error else 200
    return render(request, "admin_tools/integrations.html", context, session=session, status=status)


@router.post("/integrations")
async def create_integration(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = {"name": str(form.get("name", "")).strip(), "scopes": [str(s) for s in form.getlist("scopes")]}
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/integrations", json=values)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _integrations(request, session, values=values, error=refused)
    return render(request, "admin_tools/integration_created.html", {"created": created}, session=session, status=201)


@router.get("/integrations/{client_id}/revoke")
async def confirm_revoke(request: Request, client_id: str) -> Response:
    session = current_session(request)
    path = f"{INTEGRATIONS}/{quote(client_id, safe='')}/revoke"
    context = {"title": f"Revoke integration {client_id}?", "action": path, "button": "Revoke", "back": INTEGRATIONS}
    context["message"] = "Its tokens are refused from the next request on. This cannot be undone."
    return render(request, "admin_tools/confirm.html", context, session=session)


@router.post("/integrations/{client_id}/revoke")
async def revoke_integration(request: Request, client_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{ADMIN}/integrations/{quote(client_id, safe='')}")
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _integrations(request, session, values={}, error=refused)
    return redirect(f"{INTEGRATIONS}?done=revoked")


# --- Own password -------------------------------------------------------------------------


@router.get("/password")
async def password_page(request: Request) -> Response:
    session = current_session(request)
    return render(request, "admin_tools/password.html", {"done": request.query_params.get("done")}, session=session)


@router.post("/password")
async def change_password(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
    if new != str(form.get("confirm_password", "")):
        refused = ApiError(422, "invalid", "The new passwords differ.", {"confirm_password": "does not match"})
        return render(request, "admin_tools/password.html", {"error": refused}, session=session, status=422)
    try:
        async with console_api(request, session.token) as api:
            await api.call("PUT", f"{AUTH}/password", json={"current_password": current, "new_password": new})
    except ApiError as refused:
        if refused.status == 401:
            raise
        return render(request, "admin_tools/password.html", {"error": refused}, session=session, status=refused.status)
    return redirect(f"{PASSWORD}?done=changed")
