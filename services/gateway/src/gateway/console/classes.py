"""Classes: the list by date range and search, Add Class, Edit Class (details with its default
client, the students with Assign Client / Remove Client for the selected ones, enrolling
students by e-mail).

Selecting students and an action then "Go" opens the action's own page (GET, the selection in the
query string): Assign Client asks for the client, Remove Client asks for confirmation; each posts
to the API and comes back to Edit Class.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from gateway.console.api import ApiError, ConsoleApi, console_api
from gateway.console.clients import offset_of, page_links, split_list
from gateway.console.session import Session
from gateway.console.web import CONSOLE, PAGE_SIZE, checked_form, choices, current_session, path_id, redirect, render
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
CLASSES = f"{CONSOLE}/classes"
STUDENTS_SHOWN = 200
"""Students listed on Edit Class (the API's page; more are reached with the pager)."""


async def client_choices(api: ConsoleApi) -> list[dict[str, Any]]:
    """Active clients, for drop-downs (a deactivated client is in no drop-down list)."""
    return await choices(api, f"{ADMIN}/clients", active="true", limit=500)


@router.get("/classes")
async def classes(request: Request) -> Response:
    """Classes running between ``from`` and ``to`` (by default from 90 days ago, without end)."""
    session = current_session(request)
    q = request.query_params
    default_from = (date.today() - timedelta(days=90)).isoformat()
    filters = {
        "from": q.get("from", default_from).strip(),
        "to": q.get("to", "").strip(),
        "search": q.get("search", "").strip(),
    }
    offset = offset_of(request)
    context: dict[str, Any] = {"filters": filters, "offset": offset, "page_size": PAGE_SIZE}
    async with console_api(request, session.token) as api:
        try:
            found = await api.call("GET", f"{ADMIN}/classes", params={**filters, "limit": PAGE_SIZE, "offset": offset})
        except ApiError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            found, context["error"] = {"items": [], "total": 0}, refused
        names = {c["id"]: c["name"] for c in await _all_clients(api)}
    context["found"] = found
    context["client_names"] = names
    context.update(page_links(CLASSES, {**filters, "from": filters["from"] or ""}, offset, found["total"]))
    return render(request, "clients/classes.html", context, session=session)


async def _all_clients(api: ConsoleApi) -> list[dict[str, Any]]:
    """Every client, inactive ones included (to name a class's client)."""
    return await choices(api, f"{ADMIN}/clients", limit=500)


@router.get("/classes/new")
async def new_class(request: Request) -> Response:
    session = current_session(request)
    return await _new_form(request, session, {})


async def _new_form(
    request: Request, session: Session, values: dict[str, str], error: ApiError | None = None
) -> Response:
    async with console_api(request, session.token) as api:
        offered = await client_choices(api)
    context = {"values": values, "clients": offered, "error": error}
    return render(request, "clients/class_new.html", context, session=session, status=error.status if error else 200)


def _class_values(form: Any) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip() for k in ("name", "starts_on", "ends_on", "default_client_id")}


def _missing_dates(values: dict[str, str]) -> ApiError | None:
    missing = {k: "required" for k in ("starts_on", "ends_on") if not values[k]}
    return ApiError(422, "invalid_input", "Both dates are required.", missing) if missing else None


@router.post("/classes/new")
async def add_class(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = _class_values(form)
    missing = _missing_dates(values)
    if missing:
        return await _new_form(request, session, values, missing)
    body = {**values, "default_client_id": values["default_client_id"] or None}
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/classes", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _new_form(request, session, values, refused)
    return redirect(f"{CLASSES}/{created['id']}?done=added")


@router.get("/classes/{class_id}")
async def edit_class(request: Request, class_id: str) -> Response:
    session = current_session(request)
    return await _edit_page(request, session, class_id, done=request.query_params.get("done"))


async def _edit_page(
    request: Request,
    session: Session,
    class_id: str,
    *,
    done: str | None = None,
    error: ApiError | None = None,
    values: dict[str, str] | None = None,
    enrol_text: str = "",
) -> Response:
    training_class = path_id(class_id, "class")
    offset = offset_of(request)
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/classes/{training_class}")
        students = await api.call(
            "GET", f"{ADMIN}/classes/{training_class}/students", params={"limit": STUDENTS_SHOWN, "offset": offset}
        )
        offered = await client_choices(api)
        everyone = await _all_clients(api)
    shown = values or {k: str(found.get(k) or "") for k in ("name", "starts_on", "ends_on", "default_client_id")}
    context = {
        "klass": found,
        "values": shown,
        "clients": offered,
        "client_names": {c["id"]: c["name"] for c in everyone},
        "students": students,
        "offset": offset,
        "done": done,
        "error": error,
        "enrol_text": enrol_text,
        **page_links(f"{CLASSES}/{training_class}", {}, offset, students["total"]),
    }
    status = error.status if error else 200
    return render(request, "clients/class_edit.html", context, session=session, status=status)


@router.post("/classes/{class_id}")
async def update_class(request: Request, class_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    values = _class_values(form)
    training_class = path_id(class_id, "class")
    missing = _missing_dates(values)
    if missing:
        return await _edit_page(request, session, class_id, error=missing, values=values)
    body = {**values, "default_client_id": values["default_client_id"] or None}
    try:
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/classes/{training_class}", json=body)
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _edit_page(request, session, class_id, error=refused, values=values)
    return redirect(f"{CLASSES}/{training_class}?done=updated")


@router.post("/classes/{class_id}/enrollments")
async def enrol(request: Request, class_id: str) -> Response:
    """Enrol the customers with these e-mail addresses (each found through the customers API)."""
    session = current_session(request)
    form = await checked_form(request, session.token)
    text = str(form.get("emails", ""))
    emails = split_list(text)
    training_class = path_id(class_id, "class")
    if not emails:
        error = ApiError(422, "invalid_input", "Enter at least one e-mail address.", {"emails": "required"})
        return await _edit_page(request, session, class_id, error=error, enrol_text=text)
    try:
        async with console_api(request, session.token) as api:
            ids, unknown = await _customer_ids(api, emails)
            if unknown:
                reason = "no customer with " + ", ".join(unknown)
                raise ApiError(422, "invalid_input", "Some e-mail addresses are no customer's.", {"emails": reason})
            result = await api.call("POST", f"{ADMIN}/classes/{training_class}/enrollments", json={"customer_ids": ids})
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _edit_page(request, session, class_id, error=refused, enrol_text=text)
    counts = {"enrolled": len(result["enrolled"]), "already": len(result["already_enrolled"])}
    return redirect(f"{CLASSES}/{training_class}?{urlencode({'done': 'enrolled', **counts})}")


async def _customer_ids(api: ConsoleApi, emails: list[str]) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    unknown: list[str] = []
    for email in dict.fromkeys(emails):
        found = await api.call("GET", f"{ADMIN}/customers", params={"search": email, "limit": 50})
        match = next((c for c in found["items"] if (c.get("email") or "").lower() == email.lower()), None)
        if match is None:
            unknown.append(email)
        else:
            ids.append(str(match["id"]))
    return ids, unknown


@router.get("/classes/{class_id}/students/action")
async def student_action(request: Request, class_id: str) -> Response:
    """The page of the chosen action for the selected students: pick the client, or confirm removal."""
    session = current_session(request)
    training_class = path_id(class_id, "class")
    selected = [str(path_id(v, "student")) for v in request.query_params.getlist("customer_id")]
    action = request.query_params.get("action", "")
    if not selected or action not in ("assign", "remove"):
        return redirect(f"{CLASSES}/{training_class}?done=nothing")
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/classes/{training_class}")
        students = await api.call("GET", f"{ADMIN}/classes/{training_class}/students", params={"limit": 500})
        offered = await client_choices(api) if action == "assign" else []
    chosen = [s for s in students["items"] if str(s["customer_id"]) in selected]
    context = {"klass": found, "action": action, "selected": chosen, "clients": offered}
    return render(request, "clients/class_students_action.html", context, session=session)


@router.post("/classes/{class_id}/client-assignments")
async def assign_client(request: Request, class_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = {"customer_ids": [str(v) for v in form.getlist("customer_id")], "client_id": str(form.get("client_id", ""))}
    return await _students_change(request, session, class_id, "client-assignments", body, done="assigned")


@router.post("/classes/{class_id}/client-removals")
async def remove_client(request: Request, class_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = {"customer_ids": [str(v) for v in form.getlist("customer_id")]}
    return await _students_change(request, session, class_id, "client-removals", body, done="removed")


async def _students_change(
    request: Request, session: Session, class_id: str, what: str, body: dict[str, Any], *, done: str
) -> Response:
    training_class = path_id(class_id, "class")
    try:
        async with console_api(request, session.token) as api:
            changed = await api.call("POST", f"{ADMIN}/classes/{training_class}/{what}", json=body)
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _edit_page(request, session, class_id, error=refused)
    count = len(changed["customer_ids"])
    return redirect(f"{CLASSES}/{training_class}?{urlencode({'done': done, 'count': count})}")
