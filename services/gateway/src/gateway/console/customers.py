"""Customers: the list with its filters, Customer Details with Update Status and the tax
exemption, Add Customer, the GDPR export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, console_api
from gateway.console.customer_details import details_options
from gateway.console.session import (
    Session,
)
from gateway.console.web import (
    CONSOLE,
    CUSTOMERS,
    PAGE_SIZE,
    checked_form,
    choices,
    current_session,
    path_id,
    redirect,
    render,
    secured,
)
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
STATUSES = ("active", "inactive", "locked")


@router.get("/customers")
async def customers(request: Request) -> Response:
    session = current_session(request)
    q = request.query_params
    filters = {k: q.get(k, "").strip() for k in ("search", "status", "group_id", "client_id")}
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    context: dict[str, Any] = {"filters": filters, "offset": offset, "page_size": PAGE_SIZE, "statuses": STATUSES}
    async with console_api(request, session.token) as api:
        context["groups"] = await choices(api, f"{ADMIN}/groups")
        context["clients"] = await choices(api, f"{ADMIN}/clients", limit=200)
        try:
            found = await api.call(
                "GET", f"{ADMIN}/customers", params={**filters, "limit": PAGE_SIZE, "offset": offset}
            )
        except ApiError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            found, context["error"] = {"items": [], "total": 0}, refused
    context["found"] = found
    context["previous"] = _page_link(filters, offset - PAGE_SIZE) if offset > 0 else None
    more = offset + PAGE_SIZE < found["total"]
    context["next"] = _page_link(filters, offset + PAGE_SIZE) if more else None
    return render(request, "customers.html", context, session=session)


def _page_link(filters: dict[str, str], offset: int) -> str:
    params = {k: v for k, v in filters.items() if v}
    return f"{CUSTOMERS}?{urlencode({**params, 'offset': max(offset, 0)})}"


@router.get("/customers/new")
async def new_customer(request: Request) -> Response:
    session = current_session(request)
    return render(request, "customer_new.html", {"values": {}}, session=session)


@router.post("/customers/new")
async def add_customer(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = {k: str(form.get(k, "")).strip() for k in ("first_name", "last_name", "email", "organization")}
    body: dict[str, Any] = {**values, "organization": values["organization"] or None}
    body["password"] = str(form.get("password", "")) or None
    body["send_welcome_email"] = form.get("send_welcome_email") == "on"
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/customers", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        context = {"values": values, "error": refused}
        return render(request, "customer_new.html", context, session=session, status=refused.status)
    return render(request, "customer_created.html", {"customer": created}, session=session, status=201)


@router.get("/customers/{customer_id}")
async def customer_details(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    return await _details(request, session, customer_id, done=request.query_params.get("done"))


async def _details(
    request: Request, session: Session, customer_id: str, *, done: str | None = None, error: ApiError | None = None
) -> Response:
    customer = path_id(customer_id, "customer")
    async with console_api(request, session.token) as api:
        page = await api.call("GET", f"{ADMIN}/customers/{customer}")
        options = await details_options(api, session)
    profile = page["profile"]["data"] if page["profile"]["available"] else None
    context = {"page": page, "profile": profile, "statuses": STATUSES, "done": done, "error": error}
    context["options"] = options
    return render(request, "customer.html", context, session=session, status=error.status if error else 200)


@router.post("/customers/{customer_id}/status")
async def update_status(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = {"status": str(form.get("status", ""))}
    return await _act(request, session, customer_id, what="status", body=body, done="status")


@router.post("/customers/{customer_id}/tax-exemption")
async def set_exemption(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    exempt = form.get("exempt") == "true"
    return await _act(request, session, customer_id, what="tax-exemption", body={"exempt": exempt}, done="exemption")


async def _act(request: Request, session: Session, customer_id: str, *, what: str, body: Any, done: str) -> Response:
    """PUT ``body`` to the customer's ``what``; back to the details page (with the API's refusal)."""
    customer = path_id(customer_id, "customer")
    try:
        async with console_api(request, session.token) as api:
            await api.call("PUT", f"{ADMIN}/customers/{customer}/{what}", json=body)
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _details(request, session, customer_id, error=refused)
    return redirect(f"{CUSTOMERS}/{customer}?done={done}")


@router.get("/customers/{customer_id}/export")
async def export(request: Request, customer_id: str) -> Response:
    """The GDPR export (a zip) downloaded through the API, so it is guarded and audited there."""
    session = current_session(request)
    customer = path_id(customer_id, "customer")
    async with console_api(request, session.token) as api:
        answer = await api.client.get(f"{ADMIN}/customers/{customer}/export")
    if answer.status_code >= 400:
        raise ApiError.of(answer)
    headers = {"Content-Disposition": answer.headers.get("content-disposition", "attachment")}
    return secured(Response(answer.content, media_type="application/zip", headers=headers))
