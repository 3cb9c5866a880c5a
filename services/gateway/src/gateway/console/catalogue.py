"""The catalogue (modules with their in-person date and place, courses, certifications: list, add,
edit: rename, structure, active) and the products with their prices and price ids (list, add)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from gateway.console.api import ApiError, ConsoleApi, console_api
from gateway.console.web import CONSOLE, PAGE_SIZE, checked_form, current_session, redirect, render
from gateway.entrypoints.paths import ADMIN

router = APIRouter(prefix=CONSOLE, include_in_schema=False)
KINDS = {"modules": "Modules", "courses": "Courses", "certifications": "Certifications"}
MODULE_KINDS = {"content": "Content", "scorm": "SCORM", "in_person": "In person"}
"""Quiz modules need their questions: they are made through the API."""
ITEM_TYPES = {"module": "modules", "course": "courses", "certification": "certifications"}
PRODUCTS = f"{CONSOLE}/products"


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ApiError(404, "not_found", "No such part of the catalogue.")
    return kind


async def _all(api: ConsoleApi, kind: str) -> list[dict[str, Any]]:
    """Every item of a kind, inactive ones too (the catalogue is small; pages of 500)."""
    items: list[dict[str, Any]] = []
    while True:
        page = await api.call(
            "GET", f"{ADMIN}/{kind}", params={"limit": 500, "offset": len(items), "include_inactive": "true"}
        )
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


@router.get("/catalogue/{kind}")
async def catalogue(request: Request, kind: str) -> Response:
    session = current_session(request)
    _kind(kind)
    q = request.query_params
    search = q.get("search", "").strip()
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    params = {"search": search, "limit": PAGE_SIZE, "offset": offset, "include_inactive": "true"}
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/{kind}", params=params)
        names = await _names(api, kind)

    def page(at: int) -> str:
        return f"{CONSOLE}/catalogue/{kind}?{urlencode({'search': search, 'offset': max(at, 0)})}"

    context = {"kind": kind, "kinds": KINDS, "module_kinds": MODULE_KINDS, "found": found, "names": names}
    context |= {"search": search, "offset": offset, "page_size": PAGE_SIZE, "done": q.get("done")}
    context["previous"] = page(offset - PAGE_SIZE) if offset > 0 else None
    context["next"] = page(offset + PAGE_SIZE) if offset + PAGE_SIZE < found["total"] else None
    return render(request, "training/catalogue.html", context, session=session)


async def _names(api: ConsoleApi, kind: str) -> dict[str, str]:
    """The names of the parts of a course (modules) or a certification (courses)."""
    part = {"courses": "modules", "certifications": "courses"}.get(kind)
    return {str(i["id"]): i["name"] for i in await _all(api, part)} if part else {}


async def _parts(api: ConsoleApi, kind: str) -> list[dict[str, Any]]:
    part = {"courses": "modules", "certifications": "courses"}.get(kind)
    return await _all(api, part) if part else []


async def _form(
    request: Request, kind: str, item: dict[str, Any] | None, error: ApiError | None = None, status: int = 200
) -> Response:
    session = current_session(request)
    async with console_api(request, session.token) as api:
        parts = await _parts(api, kind)
    context: dict[str, Any] = {"kind": kind, "kinds": KINDS, "module_kinds": MODULE_KINDS, "item": item or {}}
    context["parts"] = parts
    context |= {"error": error, "editing": bool(item and item.get("id"))}
    return render(request, "training/item_form.html", context, session=session, status=status)


def _body(kind: str, form: FormData, *, editing: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": str(form.get("name", "")).strip()}
    if kind == "modules":
        if not editing:
            body["kind"] = str(form.get("kind", "content"))
        date, place = str(form.get("date", "")).strip(), str(form.get("place", "")).strip()
        if date or place or body.get("kind") == "in_person":
            body |= {"date": date or None, "place": place or None}
    elif kind == "courses":
        required = set(form.getlist("required"))
        body["modules"] = [{"module_id": str(m), "required": m in required} for m in form.getlist("module_id")]
    else:
        body["course_ids"] = [str(c) for c in form.getlist("course_id")]
    if editing:
        body["active"] = form.get("active") == "on"
    return body


def _echo(kind: str, body: dict[str, Any], item_id: str | None = None) -> dict[str, Any]:
    """The item as the form shows it again after a refusal."""
    echoed = {**body, "id": item_id}
    if kind == "courses":
        echoed["modules"] = body.get("modules", [])
    return echoed


@router.get("/catalogue/{kind}/new")
async def new_item(request: Request, kind: str) -> Response:
    return await _form(request, _kind(kind), None)


@router.post("/catalogue/{kind}/new")
async def add_item(request: Request, kind: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = _body(_kind(kind), form, editing=False)
    try:
        async with console_api(request, session.token) as api:
            await api.call("POST", f"{ADMIN}/{kind}", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        return await _form(request, kind, _echo(kind, body), refused, refused.status)
    return redirect(f"{CONSOLE}/catalogue/{kind}?{urlencode({'search': body['name'], 'done': 'added'})}")


async def _item(api: ConsoleApi, kind: str, item_id: str) -> dict[str, Any]:
    for item in await _all(api, kind):
        if str(item["id"]) == item_id:
            return item
    raise ApiError(404, "not_found", "No such item.")


@router.get("/catalogue/{kind}/{item_id}/edit")
async def edit_item(request: Request, kind: str, item_id: str) -> Response:
    session = current_session(request)
    async with console_api(request, session.token) as api:
        item = await _item(api, _kind(kind), item_id)
    return await _form(request, kind, item)


@router.post("/catalogue/{kind}/{item_id}/edit")
async def save_item(request: Request, kind: str, item_id: str) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    body = _body(_kind(kind), form, editing=True)
    try:
        found = uuid.UUID(item_id)
    except ValueError:
        raise ApiError(404, "not_found", "No such item.") from None
    try:
        async with console_api(request, session.token) as api:
            await api.call("PATCH", f"{ADMIN}/{kind}/{found}", json=body)
    except ApiError as refused:
        if refused.status in (401, 404):
            raise
        return await _form(request, kind, _echo(kind, body, item_id), refused, refused.status)
    return redirect(f"{CONSOLE}/catalogue/{kind}?{urlencode({'search': body['name'], 'done': 'saved'})}")


@router.get("/products")
async def products(request: Request) -> Response:
    session = current_session(request)
    q = request.query_params
    offset = int(q["offset"]) if q.get("offset", "").isdigit() else 0
    async with console_api(request, session.token) as api:
        found = await api.call("GET", f"{ADMIN}/products", params={"limit": PAGE_SIZE, "offset": offset})
        items = await _training_items(api)
        created = None
        if q.get("done", "") and _is_uuid(q["done"]):
            created = await api.call("GET", f"{ADMIN}/products/{q['done']}")
    names = {str(i["id"]): i["name"] for group in items.values() for i in group}
    context = {"found": found, "names": names, "offset": offset, "page_size": PAGE_SIZE, "created": created}
    context["previous"] = f"{PRODUCTS}?offset={max(offset - PAGE_SIZE, 0)}" if offset > 0 else None
    context["next"] = f"{PRODUCTS}?offset={offset + PAGE_SIZE}" if offset + PAGE_SIZE < found["total"] else None
    return render(request, "training/products.html", context, session=session)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _training_items(api: ConsoleApi) -> dict[str, list[dict[str, Any]]]:
    try:
        return {t: await _all(api, kinds) for t, kinds in ITEM_TYPES.items()}
    except ApiError as refused:
        if refused.status == 401:
            raise
        return {t: [] for t in ITEM_TYPES}


async def _product_form(
    request: Request, values: dict[str, Any], error: ApiError | None = None, status: int = 200
) -> Response:
    session = current_session(request)
    async with console_api(request, session.token) as api:
        items = await _training_items(api)
    context = {"values": values, "items": items, "kinds": KINDS, "item_types": ITEM_TYPES, "error": error}
    return render(request, "training/product_new.html", context, session=session, status=status)


@router.get("/products/new")
async def new_product(request: Request) -> Response:
    return await _product_form(request, {"prices": [{}, {}, {}]})


@router.post("/products/new")
async def add_product(request: Request) -> Response:
    session = current_session(request)
    form = await checked_form(request, session.token)
    amounts, currencies = form.getlist("amount"), form.getlist("currency")
    prices = [
        {"amount": str(a).strip(), "currency": str(c).strip().upper()}
        for a, c in zip(amounts, currencies, strict=False)
        if str(a).strip()
    ]
    training = str(form.get("training_item", ""))
    kind, _, item_id = training.partition(":")
    days = str(form.get("access_days", "")).strip()
    body: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "training_item": {"type": kind, "id": item_id} if item_id else None,
        "access_days": int(days) if days.isdigit() else (days or None),
        "prices": prices,
    }
    try:
        async with console_api(request, session.token) as api:
            created = await api.call("POST", f"{ADMIN}/products", json=body)
    except ApiError as refused:
        if refused.status == 401:
            raise
        values = {**body, "training_item": training, "access_days": days}
        values["prices"] = prices + [{}] * max(3 - len(prices), 1)
        return await _product_form(request, values, refused, refused.status)
    return redirect(f"{PRODUCTS}?done={created['id']}")
