"""Import Customers (a CSV with its template, or rows typed in with "Add Another User") with the
per-row result, and Groups (list, add with an optional e-mail-domain automation).

Without JavaScript, "Add Another User" posts the manual form back and it comes again with one
more (empty) row and everything typed kept; "Submit" sends the rows to the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, UploadFile

from gateway.console.api import ApiError, console_api
from gateway.console.session import Session
from gateway.console.web import CONSOLE, checked_form, choices, current_session, redirect, render, secured
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)

IMPORTS = f"{CONSOLE}/customer-imports"
GROUPS = f"{CONSOLE}/groups"
ROW_FIELDS = ("first_name", "last_name", "email", "password", "group_id", "price_id")
MAX_MANUAL_ROWS = 50
"""Rows the manual form holds (a CSV takes more)."""


# --- Import Customers ---------------------------------------------------------------------


@router.get("/customer-imports")
async def import_page(request: Request) -> Response:
    session = current_session(request)
    kind = "manual" if request.query_params.get("type") == "manual" else "csv"
    return await _import_form(request, session, kind=kind, rows=[_empty_row()], options=_default_options())


@router.get("/customer-imports/template")
async def import_template(request: Request) -> Response:
    """The API's CSV template, downloaded through it."""
    session = current_session(request)
    async with console_api(request, session.token) as api:
        answer = await api.client.get(f"{ADMIN}/customer-imports/template")
    if answer.status_code >= 400:
        raise ApiError.of(answer)
    disposition = answer.headers.get("content-disposition", 'attachment; filename="customer-import-template.csv"')
    return secured(Response(answer.content, media_type="text/csv", headers={"Content-Disposition": disposition}))


@router.post("/customer-imports/csv")
async def import_csv(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    options = _options_of(form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        refused = ApiError(422, "invalid", "Choose a CSV file to import.", {"file": "a CSV file is required"})
        return await _import_form(request, session, kind="csv", rows=[_empty_row()], options=options, error=refused)
    content = await upload.read()
    data = {k: ("true" if v is True else "false" if v is False else v) for k, v in _api_options(options).items()}
    async with console_api(request, session.token) as api:
        answer = await api.client.post(
            f"{ADMIN}/customer-imports", files={"file": (upload.filename, content, "text/csv")}, data=data
        )
    if answer.status_code >= 400:
        refused = ApiError.of(answer)
        if refused.status == 401:
            raise refused
        return await _import_form(
            request, session, kind="csv", rows=[_empty_row()], options=options, error=refused, status=refused.status
        )
    return redirect(f"{IMPORTS}/{answer.json()['import_id']}")


@router.post("/customer-imports/manual")
async def import_manual(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    options = _options_of(form)
    rows = _rows_of(form)
    if form.get("action") == "add_row":
        if len(rows) < MAX_MANUAL_ROWS:
            rows.append(_empty_row())
        return await _import_form(request, session, kind="manual", rows=rows, options=options)
    filled = [row for row in rows if any(row.values())]
    if not filled:
        refused = ApiError(422, "invalid", "Enter at least one user.", {"rows": "no user entered"})
        return await _import_form(request, session, kind="manual", rows=rows, options=options, error=refused)
    body = {**_api_options(options), "rows": [{k: v or None for k, v in row.items()} for row in filled]}
    try:
        async with console_api(request, session.token) as api:
            result = await api.call("POST", f"{ADMIN}/customer-imports", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _import_form(
            request, session, kind="manual", rows=rows, options=options, error=refused, status=refused.status
        )
    return redirect(f"{IMPORTS}/{result['import_id']}")


@router.get("/customer-imports/{import_id}")
async def import_result(request: Request, import_id: str) -> Response:
    """The import's result: customers created, each refused row with its reason."""
    session = current_session(request)
    try:
        found = uuid.UUID(import_id)
    except ValueError:
        raise ApiError(404, "not_found", "No such customer import.") from None
    async with console_api(request, session.token) as api:
        result = await api.call("GET", f"{ADMIN}/customer-imports/{found}")
    return render(request, "admin_tools/import_result.html", {"result": result}, session=session)


async def _import_form(
    request: Request,
    session: Session,
    *,
    kind: str,
    rows: list[dict[str, str]],
    options: dict[str, Any],
    error: ApiError | None = None,
    status: int | None = None,
) -> Response:
    async with console_api(request, session.token) as api:
        groups = await choices(
            api,
            f"{ADMIN}/groups",
        )
        products = await choices(api, f"{ADMIN}/products", limit=200) if kind == "manual" else []
    prices = [
        {"price_id": p["price_id"], "label": f"{product['name']} — {p['amount']} {p['currency']}"}
        for product in products
        for p in product.get("prices") or []
    ]
    context = {
        "kind": kind,
        "rows": rows,
        "options": options,
        "groups": groups,
        "prices": prices,
        "error": error,
        "max_rows": MAX_MANUAL_ROWS,
    }
    code = status if status is not None else (error.status if error else 200)
    return render(request, "admin_tools/import.html", context, session=session, status=code)


def _empty_row() -> dict[str, str]:
    return dict.fromkeys(ROW_FIELDS, "")


def _default_options() -> dict[str, Any]:
    return {"require_password_change": False, "send_welcome_email": False, "email_subject": "", "additional_text": ""}


def _options_of(form: FormData) -> dict[str, Any]:
    return {
        "require_password_change": form.get("require_password_change") == "on",
        "send_welcome_email": form.get("send_welcome_email") == "yes",
        "email_subject": str(form.get("email_subject", "")).strip(),
        "additional_text": str(form.get("additional_text", "")).strip(),
    }


def _api_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options as the API takes them (blank texts left out)."""
    return {k: v for k, v in options.items() if v != ""}


def _rows_of(form: FormData) -> list[dict[str, str]]:
    count = str(form.get("row_count", "1"))
    total = min(int(count), MAX_MANUAL_ROWS) if count.isdigit() else 1
    return [_row_of(form, i) for i in range(max(total, 1))]


def _row_of(form: FormData, i: int) -> dict[str, str]:
    row = {f: str(form.get(f"rows-{i}-{f}", "")).strip() for f in ROW_FIELDS}
    row["password"] = str(form.get(f"rows-{i}-password", ""))  # a password is kept as typed
    return row


# --- Groups ---------------------------------------------------------------------------------


@router.get("/groups")
async def groups_page(request: Request) -> Response:
    session = current_session(request)
    return await _groups(request, session, values={}, done=request.query_params.get("done"))


@router.post("/groups")
async def add_group(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "email_domain")}
    body: dict[str, Any] = {"name": values["name"]}
    if values["email_domain"]:
        body["automation"] = {"email_domain": values["email_domain"]}
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/groups", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _groups(request, session, values=values, error=refused)
    return redirect(f"{GROUPS}?done=added")


async def _groups(
    request: Request,
    session: Session,
    *,
    values: dict[str, str],
    done: str | None = None,
    error: ApiError | None = None,
) -> Response:
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/groups")
    context = {"groups": found["items"], "values": values, "done": done, "error": error}
    return render(request, "admin_tools/groups.html", context, session=session, status=error.status if error else 200)
