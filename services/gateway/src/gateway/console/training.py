"""Training Progress (seed 002): the Modules / Courses / Certifications tabs with their filters and
paging, Add Progress, Delete Progress (selected rows, or all the filter matches), Import Progress
(upload, analysis, the three row sets, Import) and the partner's training summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from gateway.console.api import ApiError, ConsoleApi, console_api
from gateway.console.web import CONSOLE, PAGE_SIZE, checked_form, choices, current_session, redirect, render, secured
from gateway.entrypoints.paths import ADMIN
from trainyard_common.db.counting import COUNT_CAP

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
PROGRESS = f"{CONSOLE}/training-progress"
TYPES = {"module": "Modules", "course": "Courses", "certification": "Certifications"}
PLURAL = {"module": "modules", "course": "courses", "certification": "certifications"}
PROGRESSES = {"in_progress": "In Progress", "completed": "Completed"}
FILTERS = ("name", "partner_id", "user", "progress")
ROW_SETS = {"new": "New", "already-completed": "User already completed", "errors": "Errors"}


def _filters(source: Any) -> dict[str, str]:
    kind = str(source.get("type", "") or "module")
    values = {k: str(source.get(k, "") or "").strip() for k in FILTERS}
    return {"type": kind if kind in TYPES else "module", **values}


def _list_url(filters: dict[str, str], **extra: Any) -> str:
    params = {k: v for k, v in {**filters, **extra}.items() if v not in ("", None)}
    return f"{PROGRESS}?{urlencode(params)}"


async def _partners(api: ConsoleApi) -> list[dict[str, Any]]:
    """The partners (clients) of the drop-downs; empty when client-directory does not answer."""
    return await choices(api, f"{ADMIN}/clients", limit=500)


@router.get("/training-progress")
async def training_progress(request: Request) -> Response:
    session = current_session(request)
    filters = _filters(request.query_params)
    q = request.query_params
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    context: dict[str, Any] = {
        "filters": filters,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "types": TYPES,
        "progresses": PROGRESSES,
        "done": q.get("done"),
        "count": q.get("count"),
        "tabs": {t: _list_url({**filters, "type": t}) for t in TYPES},
    }
    async with console_api(request, session.token) as api:
        context["partners"] = await _partners(api)
        try:
            found = await api.call(
                "GET", f"{ADMIN}/training-progress", params={**filters, "limit": PAGE_SIZE, "offset": offset}
            )
        except ApiError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            found, context["error"] = {"items": [], "total": 0}, refused
    context["found"] = found
    context["previous"] = _list_url(filters, offset=max(offset - PAGE_SIZE, 0)) if offset > 0 else None
    more = offset + PAGE_SIZE < found["total"]
    context["next"] = _list_url(filters, offset=offset + PAGE_SIZE) if more else None
    return render(request, "training/progress.html", context, session=session)


@router.get("/training-progress/delete")
async def confirm_delete(request: Request) -> Response:
    """The confirmation of Delete Progress: the selected rows, or all the filter matched (``all``)."""
    session = current_session(request)
    filters = _filters(request.query_params)
    ids = [i for i in request.query_params.getlist("id") if _is_uuid(i)]
    select_all = request.query_params.get("all") == "on"
    expected = request.query_params.get("expected_count", "")
    if not select_all and not ids:
        return redirect(_list_url(filters, done="nothing"))
    count = int(expected) if select_all and expected.isdigit() else len(ids)
    context = delete_confirmation(filters, ids, select_all=select_all, count=count)
    return render(request, "training/delete.html", context, session=session)


def delete_confirmation(filters: dict[str, str], ids: list[str], *, select_all: bool, count: int) -> dict[str, Any]:
    """What the confirmation page shows. Past the list's count cap "all" has no count (the list
    said "10,000+"): the service would refuse it (409), so the page asks for a narrower filter."""
    too_many = select_all and count > COUNT_CAP
    context = {"filters": filters, "ids": ids, "all": select_all, "count": count, "types": TYPES}
    return context | {"too_many": too_many, "cap": COUNT_CAP, "back": _list_url(filters)}


@router.post("/training-progress/delete")
async def delete(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    filters = _filters(form)
    body: dict[str, Any]
    if form.get("all") == "on":
        expected = str(form.get("expected_count", ""))
        chosen = {k: v for k, v in filters.items() if v}
        body = {"filter": chosen, "expected_count": int(expected) if expected.isdigit() else -1}
    else:
        body = {"ids": [str(i) for i in form.getlist("id")]}
    try:
        async with console_api(request, session.token) as api:
            answer = await api.call("POST", f"{ADMIN}/training-progress/deletions", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        context = {"filters": filters, "ids": body.get("ids") or [], "all": "filter" in body, "types": TYPES}
        context |= {"count": body.get("expected_count", len(body.get("ids") or [])), "back": _list_url(filters)}
        context["error"] = refused
        return render(request, "training/delete.html", context, session=session, status=refused.status)
    return redirect(_list_url(filters, done="deleted", count=answer["deleted"]))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _catalogue(api: ConsoleApi) -> dict[str, list[dict[str, Any]]]:
    """The active items of each type, for the Add Progress pick list."""
    items: dict[str, list[dict[str, Any]]] = {}
    for kind, path in PLURAL.items():
        items[kind] = list((await api.call("GET", f"{ADMIN}/{path}", params={"limit": 500}))["items"])
    return items


async def _add_form(
    request: Request, values: dict[str, str], error: ApiError | None = None, status: int = 200
) -> Response:
    session = current_session(request)
    async with console_api(request, session.token) as api:
        context = {"values": values, "catalogue": await _catalogue(api), "partners": await _partners(api)}
    context |= {"types": TYPES, "today": datetime.now(UTC).date().isoformat(), "error": error}
    return render(request, "training/add.html", context, session=session, status=status)


@router.get("/training-progress/new")
async def new_progress(request: Request) -> Response:
    return await _add_form(request, {"training_type": str(request.query_params.get("type", "module"))})


@router.post("/training-progress/new")
async def add_progress(request: Request) -> Response:
    """Set Training as Completed: the user is found by e-mail, then the API records the completion."""
    session = current_session(request)
    form = await checked_form(request, session.token)
    fields = ("training_type", "item_id", "partner_id", "user", "completed_on")
    values = {k: str(form.get(k, "")).strip() for k in fields}
    try:
        async with console_api(request, session.token) as api:
            customer_id = await _customer_by_email(api, values["user"])
            body = {
                "training_type": values["training_type"],
                "item_id": values["item_id"] or None,
                "customer_id": customer_id,
                "completed_on": values["completed_on"] or None,
                "partner_id": values["partner_id"] or None,
            }
            await api.call("POST", f"{ADMIN}/training-progress", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        if "customer_id" in refused.fields:
            refused.fields["user"] = refused.fields.pop("customer_id")
        return await _add_form(request, values, refused, status=refused.status)
    filters = {"type": values["training_type"], "user": values["user"]}
    return redirect(_list_url(filters, done="added"))


async def _customer_by_email(api: ConsoleApi, email: str) -> str:
    if not email:
        raise ApiError(422, "validation_error", "Give the user's e-mail address.", {"user": "required"})
    found = await api.call("GET", f"{ADMIN}/customers", params={"search": email, "limit": 50})
    for customer in found["items"]:
        if str(customer.get("email") or "").lower() == email.lower():
            return str(customer["id"])
    raise ApiError(422, "validation_error", "No user has this e-mail address.", {"user": "no such user"})


@router.get("/training-progress/import")
async def import_form(request: Request) -> Response:
    session = current_session(request)
    return render(request, "training/import.html", {}, session=session)


@router.get("/training-progress/import/template.csv")
async def import_template(request: Request) -> Response:
    return await _download(request, f"{ADMIN}/progress-imports/template", "progress-import-template.csv")


@router.post("/training-progress/import")
async def upload(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise ApiError(422, "validation_error", "Choose a CSV file.", {"file": "required"})
        content = await file.read()
        async with console_api(request, session.token) as api:
            answer = await api.client.post(
                f"{ADMIN}/progress-imports",
                files={"file": (file.filename, content, file.content_type or "text/csv")},
                timeout=300,
            )
        if answer.status_code >= 400:
            raise ApiError.of(answer)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return render(request, "training/import.html", {"error": refused}, session=session, status=refused.status)
    return redirect(f"{PROGRESS}/imports/{answer.json()['id']}")


def _import_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(404, "not_found", "No such import.") from None


@router.get("/training-progress/imports/{import_id}")
async def import_state(request: Request, import_id: str) -> Response:
    """The analysis (counts, downloads, Import), the progress while it runs, the success report."""
    session = current_session(request)
    found = _import_id(import_id)
    async with console_api(request, session.token) as api:
        state = await api.call("GET", f"{ADMIN}/progress-imports/{found}")
    context = {"state": state, "row_sets": ROW_SETS, "running": state["status"] in ("analysing", "committing")}
    return render(request, "training/import_state.html", context, session=session)


@router.post("/training-progress/imports/{import_id}/commit")
async def commit(request: Request, import_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    found = _import_id(import_id)
    async with console_api(request, session.token) as api:
        await api.call("POST", f"{ADMIN}/progress-imports/{found}/commit")
    return redirect(f"{PROGRESS}/imports/{found}")


@router.get("/training-progress/imports/{import_id}/rows/{row_set}.csv")
async def import_rows(request: Request, import_id: str, row_set: str) -> Response:
    if row_set not in ROW_SETS:
        raise ApiError(404, "not_found", "No such set of rows.")
    found = _import_id(import_id)
    return await _download(
        request, f"{ADMIN}/progress-imports/{found}/rows/{row_set}.csv", f"progress-import-{row_set}.csv"
    )


async def _download(request: Request, path: str, name: str) -> Response:
    """A CSV of the API, downloaded through it (guarded and audited there)."""
    session = current_session(request)
    async with console_api(request, session.token) as api:
        answer = await api.client.get(path, timeout=300)
    if answer.status_code >= 400:
        raise ApiError.of(answer)
    headers = {"Content-Disposition": answer.headers.get("content-disposition", f'attachment; filename="{name}"')}
    return secured(Response(answer.content, media_type="text/csv; charset=utf-8", headers=headers))


@router.get("/partners/{client_id}/training")
async def partner_summary(request: Request, client_id: str) -> Response:
    """The partner's Summary: recent activity and top certifications completed."""
    session = current_session(request)
    if not _is_uuid(client_id):
        raise ApiError(404, "not_found", "No such partner.")
    async with console_api(request, session.token) as api:
        summary = await api.call("GET", f"{ADMIN}/partners/{client_id}/training-summary", params={"limit": 20})
        partner = next((p for p in await _partners(api) if str(p["id"]) == client_id), None)
    context = {"summary": summary, "partner": partner, "types": TYPES}
    context["progress_links"] = {t: _list_url({"type": t, "partner_id": client_id}) for t in TYPES}
    return render(request, "training/partner.html", context, session=session)
