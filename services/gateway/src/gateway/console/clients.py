"""Clients: the list with its search and filters, Add Client ("save and add another"), the client's
page (edit, deactivate/reactivate, its learners with how they were mapped).

Domains and aliases are typed as comma- or newline-separated lists; the API normalises them
(a leading ``@`` is accepted).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, ConsoleApi, console_api
from gateway.console.session import Session
from gateway.console.web import CONSOLE, PAGE_SIZE, checked_form, choices, current_session, path_id, redirect, render
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
CLIENTS = f"{CONSOLE}/clients"
_SEPARATORS = re.compile(r"[,\n;]+")


def split_list(text: str) -> list[str]:
    """The items of a comma-, semicolon- or newline-separated field, blanks dropped."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def offset_of(request: Request) -> int:
    value = request.query_params.get("offset", "")
    return int(value) if value.isdigit() else 0


def page_links(base: str, params: dict[str, str], offset: int, total: int) -> dict[str, str | None]:
    kept = {k: v for k, v in params.items() if v}
    previous = f"{base}?{urlencode({**kept, 'offset': max(offset - PAGE_SIZE, 0)})}" if offset > 0 else None
    more = offset + PAGE_SIZE < total
    following = f"{base}?{urlencode({**kept, 'offset': offset + PAGE_SIZE})}" if more else None
    return {"previous": previous, "next": following}


async def industries(api: ConsoleApi) -> list[str]:
    return await choices(api, f"{ADMIN}/industries")


@router.get("/clients")
async def clients(request: Request) -> Response:
    session = current_session(request)
    q = request.query_params
    filters = {k: q.get(k, "").strip() for k in ("search", "industry", "active")}
    offset = offset_of(request)
    context: dict[str, Any] = {"filters": filters, "offset": offset, "page_size": PAGE_SIZE}
    params: dict[str, Any] = {**filters, "limit": PAGE_SIZE, "offset": offset}
    async with console_api(request, session.token) as api:
        context["industries"] = await industries(api)
        try:
            found = await api.call("GET", f"{ADMIN}/clients", params=params)
        except ApiError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            found, context["error"] = {"items": [], "total": 0}, refused
    context["found"] = found
    context.update(page_links(CLIENTS, filters, offset, found["total"]))
    return render(request, "clients/list.html", context, session=session)


@router.get("/clients/new")
async def new_client(request: Request) -> Response:
    session = current_session(request)
    added = request.query_params.get("added")
    return await _new_form(request, session, {"another": bool(added)}, added=added)


async def _new_form(
    request: Request,
    session: Session,
    values: dict[str, Any],
    *,
    added: str | None = None,
    error: ApiError | None = None,
) -> Response:
    async with console_api(request, session.token) as api:
        choices = await industries(api)
    context = {"values": values, "industries": choices, "added": added, "error": error}
    return render(request, "clients/new.html", context, session=session, status=error.status if error else 200)


def _client_body(form: Any) -> tuple[dict[str, str], dict[str, Any]]:
    values = {k: str(form.get(k, "")).strip() for k in ("name", "industry", "email_domains", "aliases")}
    body = {
        "name": values["name"],
        "industry": values["industry"],
        "email_domains": split_list(values["email_domains"]),
        "aliases": split_list(values["aliases"]),
    }
    return values, body


@router.post("/clients/new")
async def add_client(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values, body = _client_body(form)
    another = form.get("another") == "on"
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/clients", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _new_form(request, session, {**values, "another": another}, error=refused)
    if another:
        return redirect(f"{CLIENTS}/new?{urlencode({'added': created['name']})}")
    return redirect(f"{CLIENTS}/{created['id']}?done=added")


@router.get("/clients/{client_id}")
async def client_page(request: Request, client_id: str) -> Response:
    session = current_session(request)
    return await _client_page(request, session, client_id, done=request.query_params.get("done"))


async def _client_page(
    request: Request,
    session: Session,
    client_id: str,
    *,
    done: str | None = None,
    error: ApiError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    client = path_id(client_id, "client")
    offset = offset_of(request)
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/clients/{client}")
        learners = await api.call(
            "GET", f"{ADMIN}/clients/{client}/learners", params={"limit": PAGE_SIZE, "offset": offset}
        )
        choices = await industries(api)
    shown = values or {
        "name": found["name"],
        "industry": found["industry"],
        "email_domains": ", ".join(found["email_domains"]),
        "aliases": "\n".join(found["aliases"]),
    }
    context = {
        "client": found,
        "values": shown,
        "industries": choices,
        "learners": learners,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "done": done,
        "error": error,
        **page_links(f"{CLIENTS}/{client}", {}, offset, learners["total"]),
    }
    return render(request, "clients/client.html", context, session=session, status=error.status if error else 200)


@router.post("/clients/{client_id}")
async def update_client(request: Request, client_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values, body = _client_body(form)
    return await _change(request, session, client_id, body, done="updated", values=values)


@router.post("/clients/{client_id}/active")
async def set_active(request: Request, client_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    active = form.get("active") == "true"
    return await _change(
        request, session, client_id, {"active": active}, done="reactivated" if active else "deactivated"
    )


async def _change(
    request: Request,
    session: Session,
    client_id: str,
    body: dict[str, Any],
    *,
    done: str,
    values: dict[str, str] | None = None,
) -> Response:
    client = path_id(client_id, "client")
    try:
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/clients/{client}", json=body)
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _client_page(request, session, client_id, error=refused, values=values)
    return redirect(f"{CLIENTS}/{client}?done={done}")
