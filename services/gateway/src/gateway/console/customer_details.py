"""Customer Details, the rest: the Customer Transcript tab (Edit, Clear CMI Data, Add Completion,
View Responses, Quiz Submissions), the Content Access tab, Customer Groups, Assign Product and
Order History.

Every page reads through the public API and every action goes through it (guarded, audited), as
the rest of the console does. Dates and times typed in the forms are UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from gateway.console.api import ApiError, ConsoleApi, console_api
from gateway.console.session import Session
from gateway.console.web import CONSOLE, CUSTOMERS, checked_form, current_session, path_id, redirect, render
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
STATUSES = ("in_progress", "completed")
QUIZ_STATUSES = ("passed", "failed")


class FormInvalid(ValueError):
    """A form value the console cannot even send (a malformed date): shown next to its field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.error = ApiError(422, "validation_error", "Some values are not valid.", {field: reason})


def _refused(refused: ApiError) -> ApiError:
    """The API's refusal to show in the page; re-raised when it ends the session or the page."""
    if refused.status in (401, 403) and refused.code != "validation_error":
        raise refused
    return refused


async def _customer_name(api: ConsoleApi, customer: uuid.UUID) -> str:
    page = await api.call("GET", f"{ADMIN}/customers/{customer}")
    profile = page["profile"]["data"] if page["profile"]["available"] else None
    if profile and (profile.get("first_name") or profile.get("last_name")):
        return f"{profile.get('first_name') or ''} {profile.get('last_name') or ''}".strip()
    return f"Customer {customer}"


def _moment(form: FormData, day_field: str, time_field: str, *, required: bool) -> str | None:
    """A date and a time of the form (UTC) as an ISO 8601 timestamp; None when both are empty."""
    day, hour = str(form.get(day_field, "")).strip(), str(form.get(time_field, "")).strip()
    if not day and not hour:
        if required:
            raise FormInvalid(day_field, "A date is required.")
        return None
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise FormInvalid(day_field, "A date is required (YYYY-MM-DD).") from None
    try:
        at = time.fromisoformat(hour) if hour else time(0, 0)
    except ValueError:
        raise FormInvalid(time_field, "A time is HH:MM.") from None
    return datetime.combine(when, at, tzinfo=UTC).isoformat()


# --- Customer Transcript -------------------------------------------------------------------


@router.get("/customers/{customer_id}/transcript")
async def transcript(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    customer = path_id(customer_id)
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        found = await api.call("GET", f"{ADMIN}/customers/{customer}/transcript")
    context = {"cid": customer, "name": name, "items": found["items"], "done": request.query_params.get("done")}
    return render(request, "customer_details/transcript.html", context, session=session)


def _find_item(items: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
    for item in items:
        if str(item["item_id"]) == item_id:
            return item
        for module in item.get("modules") or []:
            if str(module["module_id"]) == item_id:
                return {**module, "item_id": module["module_id"], "item_type": "module", "kind": None}
    return None


async def _transcript_item(api: ConsoleApi, customer: uuid.UUID, item_id: str) -> dict[str, Any]:
    found = await api.call("GET", f"{ADMIN}/customers/{customer}/transcript")
    item = _find_item(found["items"], item_id)
    if item is None:
        raise ApiError(404, "not_found", "No such item in the customer's transcript.")
    return item


async def _item_page(
    request: Request, session: Session, customer: uuid.UUID, item_id: str, template: str, **extra: Any
) -> Response:
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        item = await _transcript_item(api, customer, item_id)
    error = extra.get("error")
    context = {"cid": customer, "name": name, "item": item, "statuses": STATUSES, "quiz_statuses": QUIZ_STATUSES}
    context.update(extra)
    context.setdefault("values", {})
    return render(request, template, context, session=session, status=error.status if error else 200)


@router.get("/customers/{customer_id}/transcript/{item_id}/edit")
async def edit_item(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    return await _item_page(request, session, path_id(customer_id), item_id, "customer_details/item_edit.html")


@router.post("/customers/{customer_id}/transcript/{item_id}/edit")
async def update_item(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer, item = path_id(customer_id), path_id(item_id)
    values = {
        k: str(form.get(k, "")).strip() for k in ("status", "completed_on", "completed_time", "score", "attended")
    }
    body: dict[str, Any] = {}
    try:
        if values["status"]:
            body["status"] = values["status"]
        completed_at = _moment(form, "completed_on", "completed_time", required=False)
        if completed_at:
            body["completed_at"] = completed_at
        if values["score"]:
            body["score"] = values["score"]
        if values["attended"] in ("yes", "no"):
            body["attended"] = values["attended"] == "yes"
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/customers/{customer}/transcript/{item}", json=body)
    except FormInvalid as invalid:
        error = invalid.error
    except ApiError as refused:
        error = _refused(refused)
    else:
        return redirect(f"{CUSTOMERS}/{customer}/transcript?done=updated")
    return await _item_page(
        request, session, customer, item_id, "customer_details/item_edit.html", error=error, values=values
    )


@router.get("/customers/{customer_id}/transcript/{item_id}/clear-cmi")
async def confirm_clear_cmi(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    return await _item_page(request, session, path_id(customer_id), item_id, "customer_details/clear_cmi.html")


@router.post("/customers/{customer_id}/transcript/{item_id}/clear-cmi")
async def clear_cmi(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    customer, module = path_id(customer_id), path_id(item_id)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{ADMIN}/customers/{customer}/cmi/{module}")
    except ApiError as refused:
        error = _refused(refused)
        return await _item_page(request, session, customer, item_id, "customer_details/clear_cmi.html", error=error)
    return redirect(f"{CUSTOMERS}/{customer}/transcript?done=cmi")


@router.get("/customers/{customer_id}/transcript/{item_id}/completion")
async def new_completion(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    return await _item_page(request, session, path_id(customer_id), item_id, "customer_details/completion.html")


@router.post("/customers/{customer_id}/transcript/{item_id}/completion")
async def add_completion(request: Request, customer_id: str, item_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer, quiz = path_id(customer_id), path_id(item_id)
    values = {k: str(form.get(k, "")).strip() for k in ("status", "submitted_on", "submitted_time", "score")}
    try:
        submitted_at = _moment(form, "submitted_on", "submitted_time", required=True)
        body = {"quiz_id": str(quiz), "status": values["status"], "submitted_at": submitted_at}
        body["score"] = values["score"] or None
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/customers/{customer}/quiz-completions", json=body)
    except FormInvalid as invalid:
        error = invalid.error
    except ApiError as refused:
        error = _refused(refused)
    else:
        return redirect(f"{CUSTOMERS}/{customer}/transcript?done=completion")
    return await _item_page(
        request, session, customer, item_id, "customer_details/completion.html", error=error, values=values
    )


async def _submissions(request: Request, session: Session, customer: uuid.UUID, quiz: uuid.UUID) -> dict[str, Any]:
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        found = await api.call("GET", f"{ADMIN}/customers/{customer}/quiz-submissions", params={"quiz_id": quiz})
        item = _find_item((await api.call("GET", f"{ADMIN}/customers/{customer}/transcript"))["items"], str(quiz))
    return {"cid": customer, "name": name, "quiz_id": quiz, "item": item, "submissions": found["items"]}


@router.get("/customers/{customer_id}/quizzes/{quiz_id}/responses")
async def responses(request: Request, customer_id: str, quiz_id: str) -> Response:
    session = current_session(request)
    context = await _submissions(request, session, path_id(customer_id), path_id(quiz_id))
    return render(request, "customer_details/responses.html", context, session=session)


@router.get("/customers/{customer_id}/quizzes/{quiz_id}/submissions")
async def submissions(request: Request, customer_id: str, quiz_id: str) -> Response:
    session = current_session(request)
    context = await _submissions(request, session, path_id(customer_id), path_id(quiz_id))
    context["done"] = request.query_params.get("done")
    return render(request, "customer_details/submissions.html", context, session=session)


@router.get("/customers/{customer_id}/quizzes/{quiz_id}/submissions/{submission_id}/remove")
async def confirm_remove_submission(request: Request, customer_id: str, quiz_id: str, submission_id: str) -> Response:
    session = current_session(request)
    context = await _submissions(request, session, path_id(customer_id), path_id(quiz_id))
    chosen = [s for s in context["submissions"] if s["id"] == submission_id]
    if not chosen:
        raise ApiError(404, "not_found", "No such submission.")
    context["submission"] = chosen[0]
    return render(request, "customer_details/submission_remove.html", context, session=session)


@router.post("/customers/{customer_id}/quizzes/{quiz_id}/submissions/{submission_id}/remove")
async def remove_submission(request: Request, customer_id: str, quiz_id: str, submission_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    customer, quiz, submission = path_id(customer_id), path_id(quiz_id), path_id(submission_id)
    async with console_api(request, session.token) as api:
        await api.call("DELETE", f"{ADMIN}/quiz-submissions/{submission}")
    return redirect(f"{CUSTOMERS}/{customer}/quizzes/{quiz}/submissions?done=removed")


# --- Content Access ------------------------------------------------------------------------


async def _access_rows(api: ConsoleApi, customer: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        found = await api.call(
            "GET", f"{ADMIN}/customers/{customer}/access", params={"limit": 100, "offset": len(rows)}
        )
        rows.extend(found["items"])
        if not found["items"] or len(rows) >= found["total"]:
            return rows


@router.get("/customers/{customer_id}/access")
async def access(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    customer = path_id(customer_id)
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        rows = await _access_rows(api, customer)
    context = {"cid": customer, "name": name, "rows": rows, "done": request.query_params.get("done")}
    return render(request, "customer_details/access.html", context, session=session)


async def _access_edit_page(
    request: Request, session: Session, customer: uuid.UUID, access_id: str, **extra: Any
) -> Response:
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        rows = await _access_rows(api, customer)
    row = next((r for r in rows if r["id"] == access_id), None)
    if row is None:
        raise ApiError(404, "not_found", "No such access row for this customer.")
    error = extra.get("error")
    values = extra.get("values") or {"starts_on": row["starts_on"], "ends_on": row["ends_on"] or ""}
    context = {"cid": customer, "name": name, "row": row, "values": values, "error": error}
    return render(
        request, "customer_details/access_edit.html", context, session=session, status=error.status if error else 200
    )


@router.get("/customers/{customer_id}/access/{access_id}/edit")
async def edit_access(request: Request, customer_id: str, access_id: str) -> Response:
    session = current_session(request)
    return await _access_edit_page(request, session, path_id(customer_id), access_id)


@router.post("/customers/{customer_id}/access/{access_id}/edit")
async def update_access(request: Request, customer_id: str, access_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer, row = path_id(customer_id), path_id(access_id)
    values = {k: str(form.get(k, "")).strip() for k in ("starts_on", "ends_on")}
    body = {"starts_on": values["starts_on"] or None, "ends_on": values["ends_on"] or None}
    try:
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/access/{row}", json=body)
    except ApiError as refused:
        error = _refused(refused)
        return await _access_edit_page(request, session, customer, access_id, error=error, values=values)
    return redirect(f"{CUSTOMERS}/{customer}/access?done=updated")


# --- Customer Groups, Assign Product -------------------------------------------------------


@router.post("/customers/{customer_id}/groups")
async def save_groups(request: Request, customer_id: str) -> Response:
    """The tiles kept (their box left ticked) plus the group picked in the drop-down, as a whole."""
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer = path_id(customer_id)
    kept = [str(g) for g in form.getlist("group_id")]
    added = str(form.get("add_group_id", "")).strip()
    group_ids = list(dict.fromkeys([*kept, *([added] if added else [])]))
    try:
        async with console_api(request, session.token) as api:
            await api.call("PUT", f"{ADMIN}/customers/{customer}/groups", json={"group_ids": group_ids})
    except ApiError as refused:
        return await _details_refused(request, session, customer, _refused(refused))
    return redirect(f"{CUSTOMERS}/{customer}?done=groups")


@router.post("/customers/{customer_id}/product-assignments")
async def assign_product(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer = path_id(customer_id)
    price = str(form.get("price_id", "")).strip()
    if not price:
        missing = ApiError(422, "validation_error", "Pick a product's price.", {"price_id": "Required."})
        return await _details_refused(request, session, customer, missing)
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/customers/{customer}/product-assignments", json={"price_id": price})
    except ApiError as refused:
        return await _details_refused(request, session, customer, _refused(refused))
    return redirect(f"{CUSTOMERS}/{customer}?done=assigned")


async def _details_refused(request: Request, session: Session, customer: uuid.UUID, error: ApiError) -> Response:
    from gateway.console import customers  # noqa: PLC0415 (customers imports this module's details_options)

    return await customers._details(request, session, str(customer), error=error)


async def details_options(api: ConsoleApi, session: Session) -> dict[str, Any]:
    """What the details page's Customer Groups and Assign Product forms offer (writers only)."""
    if not session.may_write:
        return {"groups": [], "prices": []}
    options: dict[str, Any] = {"groups": [], "prices": []}
    try:
        options["groups"] = (await api.call("GET", f"{ADMIN}/groups"))["items"]
    except ApiError as refused:
        if refused.status == 401:
            raise
    try:
        products = (await api.call("GET", f"{ADMIN}/products", params={"limit": 200}))["items"]
    except ApiError as refused:
        if refused.status == 401:
            raise
        products = []
    options["prices"] = [
        {"price_id": p["price_id"], "label": f"{product['name']} — {p['amount']} {p['currency']}"}
        for product in products
        for p in product["prices"]
    ]
    return options


# --- Order History -------------------------------------------------------------------------


@router.get("/customers/{customer_id}/orders")
async def orders(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    customer = path_id(customer_id)
    found: list[dict[str, Any]] = []
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        while True:
            page = await api.call(
                "GET", f"{ADMIN}/customers/{customer}/orders", params={"limit": 100, "offset": len(found)}
            )
            found.extend(page["items"])
            if not page["items"] or len(found) >= page["total"]:
                break
    context = {"cid": customer, "name": name, "orders": found}
    return render(request, "customer_details/orders.html", context, session=session)


@router.get("/customers/{customer_id}/orders/{order_id}")
async def order(request: Request, customer_id: str, order_id: str) -> Response:
    session = current_session(request)
    customer, order_uuid = path_id(customer_id), path_id(order_id)
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        found = await api.call("GET", f"{ADMIN}/orders/{order_uuid}")
    if found["customer_id"] != str(customer):
        raise ApiError(404, "not_found", "No such order for this customer.")
    return render(
        request, "customer_details/order.html", {"cid": customer, "name": name, "order": found}, session=session
    )


# --- Delete User, Erase Customer Data ------------------------------------------------------


async def _confirm_page(
    request: Request, session: Session, customer: uuid.UUID, template: str, **extra: Any
) -> Response:
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
    error = extra.get("error")
    context = {"cid": customer, "name": name, **extra}
    return render(request, template, context, session=session, status=error.status if error else 200)


@router.get("/customers/{customer_id}/delete")
async def confirm_delete(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    return await _confirm_page(request, session, path_id(customer_id), "customer_details/delete.html")


@router.post("/customers/{customer_id}/delete")
async def delete_customer(request: Request, customer_id: str) -> Response:
    """Asked of the API (202: commerce-access decides); the outcome shows on the deletion page."""
    session = current_session(request)
    await checked_form(request, session.token)
    customer = path_id(customer_id)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{ADMIN}/customers/{customer}")
    except ApiError as refused:
        error = _refused(refused)
        return await _confirm_page(request, session, customer, "customer_details/delete.html", error=error)
    return redirect(f"{CUSTOMERS}/{customer}/deletion")


@router.get("/customers/{customer_id}/deletion")
async def deletion(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    customer = path_id(customer_id)
    async with console_api(request, session.token) as api:
        state = await api.call("GET", f"{ADMIN}/customers/{customer}/deletion")
    context = {"cid": customer, "name": f"Customer {customer}", "deletion": state}
    return render(request, "customer_details/deletion.html", context, session=session)


@router.get("/customers/{customer_id}/erase")
async def confirm_erase(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    return await _confirm_page(request, session, path_id(customer_id), "customer_details/erase.html")


@router.post("/customers/{customer_id}/erase")
async def erase_customer(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    customer = path_id(customer_id)
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/customers/{customer}/erasure")
    except ApiError as refused:
        error = _refused(refused)
        return await _confirm_page(request, session, customer, "customer_details/erase.html", error=error)
    return redirect(f"{CUSTOMERS}/{customer}?done=erased")


# --- Login History, Activity Log -----------------------------------------------------------


async def _log_page(request: Request, customer_id: str, what: str, template: str) -> Response:
    session = current_session(request)
    customer = path_id(customer_id)
    q = request.query_params
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        found = await api.call("GET", f"{ADMIN}/customers/{customer}/{what}", params={"limit": 50, "offset": offset})
    base = f"{CUSTOMERS}/{customer}/{what}"
    context = {
        "cid": customer,
        "name": name,
        "found": found,
        "previous": f"{base}?offset={max(offset - 50, 0)}" if offset > 0 else None,
        "next": f"{base}?offset={offset + 50}" if offset + 50 < found["total"] else None,
    }
    return render(request, template, context, session=session)


@router.get("/customers/{customer_id}/login-history")
async def login_history(request: Request, customer_id: str) -> Response:
    return await _log_page(request, customer_id, "login-history", "customer_details/login_history.html")


@router.get("/customers/{customer_id}/activity-log")
async def activity_log(request: Request, customer_id: str) -> Response:
    return await _log_page(request, customer_id, "activity-log", "customer_details/activity_log.html")


# --- Edit Customer Info, Manage Password ---------------------------------------------------

PROFILE_FIELDS = ("first_name", "last_name", "email", "organization")


async def _profile_page(
    request: Request, session: Session, customer: uuid.UUID, template: str, **extra: Any
) -> Response:
    async with console_api(request, session.token) as api:
        page = await api.call("GET", f"{ADMIN}/customers/{customer}")
    profile = page["profile"]["data"] if page["profile"]["available"] else None
    if profile is None:
        raise ApiError(503, "unavailable", "The customer's profile is unavailable; try again.")
    name = f"{profile.get('first_name') or ''} {profile.get('last_name') or ''}".strip() or f"Customer {customer}"
    error = extra.get("error")
    values = extra.get("values") or {k: profile.get(k) or "" for k in PROFILE_FIELDS}
    context = {"cid": customer, "name": name, "profile": profile, **extra, "values": values}
    return render(request, template, context, session=session, status=error.status if error else 200)


@router.get("/customers/{customer_id}/edit")
async def edit_info(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    done = request.query_params.get("done")
    return await _profile_page(request, session, path_id(customer_id), "customer_details/edit_info.html", done=done)


@router.post("/customers/{customer_id}/edit")
async def update_info(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer = path_id(customer_id)
    values = {k: str(form.get(k, "")).strip() for k in PROFILE_FIELDS}
    body: dict[str, Any] = {**values, "organization": values["organization"] or None}
    try:
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/customers/{customer}", json=body)
    except ApiError as refused:
        error = _refused(refused)
        template = "customer_details/edit_info.html"
        return await _profile_page(request, session, customer, template, error=error, values=values)
    return redirect(f"{CUSTOMERS}/{customer}/edit?done=saved")


@router.get("/customers/{customer_id}/password")
async def manage_password(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    done = request.query_params.get("done")
    return await _profile_page(request, session, path_id(customer_id), "customer_details/password.html", done=done)


@router.post("/customers/{customer_id}/password")
async def set_password(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer = path_id(customer_id)
    body: dict[str, Any] = {}
    if password := str(form.get("password", "")):
        body["password"] = password
    days = str(form.get("expires_in_days", "")).strip()
    if days:
        body["expires_in_days"] = int(days) if days.isdigit() else days
    body["require_change"] = form.get("require_change") == "on"
    try:
        async with console_api(request, session.token) as api:
            await api.call("PUT", f"{ADMIN}/customers/{customer}/password", json=body)
    except ApiError as refused:
        error = _refused(refused)
        return await _profile_page(request, session, customer, "customer_details/password.html", error=error)
    return redirect(f"{CUSTOMERS}/{customer}/password?done=saved")


@router.post("/customers/{customer_id}/password-link")
async def send_password_link(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    customer = path_id(customer_id)
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/customers/{customer}/password-link")
    except ApiError as refused:
        error = _refused(refused)
        return await _profile_page(request, session, customer, "customer_details/password.html", error=error)
    return redirect(f"{CUSTOMERS}/{customer}/password?done=link")


# --- Impersonate User ----------------------------------------------------------------------


@router.post("/customers/{customer_id}/impersonation")
async def impersonate(request: Request, customer_id: str) -> Response:
    """The learner token is shown once, in the answer to the POST (never in a URL or a cookie)."""
    session = current_session(request)
    await checked_form(request, session.token)
    customer = path_id(customer_id)
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        token = await api.call("POST", f"{ADMIN}/customers/{customer}/impersonation")
    context = {"cid": customer, "name": name, "token": token}
    return render(request, "customer_details/impersonation.html", context, session=session, status=201)


# --- Registration Codes, Registration Code Users -------------------------------------------


async def _codes_page(request: Request, session: Session, customer: uuid.UUID, **extra: Any) -> Response:
    async with console_api(request, session.token) as api:
        name = await _customer_name(api, customer)
        codes = await api.call("GET", f"{ADMIN}/customers/{customer}/registration-codes")
        users = await api.call("GET", f"{ADMIN}/customers/{customer}/registration-code-users")
        options = await details_options(api, session)
    error = extra.get("error")
    context = {"cid": customer, "name": name, "codes": codes["items"], "users": users["items"], **extra}
    context["groups"] = options["groups"]
    return render(
        request, "customer_details/codes.html", context, session=session, status=error.status if error else 200
    )


@router.get("/customers/{customer_id}/registration-codes")
async def codes(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    return await _codes_page(request, session, path_id(customer_id), done=request.query_params.get("done"))


@router.get("/customers/{customer_id}/registration-codes/{code}/remove")
async def confirm_remove_redemption(request: Request, customer_id: str, code: str) -> Response:
    session = current_session(request)
    return await _confirm_page(
        request, session, path_id(customer_id), "customer_details/redemption_remove.html", code=code
    )


@router.post("/customers/{customer_id}/registration-codes/{code}/remove")
async def remove_redemption(request: Request, customer_id: str, code: str) -> Response:
    session = current_session(request)
    await checked_form(request, session.token)
    customer = path_id(customer_id)
    try:
        async with console_api(request, session.token) as api:
            await api.call("DELETE", f"{ADMIN}/registration-codes/{code}/redemption")
    except ApiError as refused:
        return await _codes_page(request, session, customer, error=_refused(refused))
    return redirect(f"{CUSTOMERS}/{customer}/registration-codes?done=removed")


@router.post("/customers/{customer_id}/registration-code-users/group")
async def code_users_to_group(request: Request, customer_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    customer = path_id(customer_id)
    body = {"group_id": str(form.get("group_id", "")).strip() or None}
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/customers/{customer}/registration-code-users/group", json=body)
    except ApiError as refused:
        return await _codes_page(request, session, customer, error=_refused(refused))
    return redirect(f"{CUSTOMERS}/{customer}/registration-codes?done=grouped")
