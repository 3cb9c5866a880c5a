"""Customer imports: the CSV template, and an import from a CSV upload or JSON rows.

A CSV upload is spooled to a temporary file by the multipart parser (not held in memory),
counted once (over the maximum: 413, nothing written), then read again in batches.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from itertools import islice
from typing import IO

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from customer_account.adapters.passwords import HashingPool
from customer_account.domain.actors import Actor
from customer_account.domain.customer import now
from customer_account.domain.imports import (
    FIELDS,
    TEMPLATE_HEADER,
    BadHeader,
    RawRow,
    StoredImport,
    column_positions,
)
from customer_account.entrypoints.deps import AdminActor, Hashing, Settings, UnitOfWork
from customer_account.metrics import IMPORT_HASHING_SECONDS, IMPORT_ROWS, IMPORT_SECONDS
from customer_account.service_layer.imports import (
    CustomerImport,
    ImportOptions,
    ImportReport,
    import_result,
    stored_import,
)
from customer_account.service_layer.password_setup import SetupLinks
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from customer_account.settings import Settings as OwnSettings
from trainyard_common.api.customers import ImportError as RowErrorBody
from trainyard_common.api.customers import ImportJson, ImportOrders, ImportResult
from trainyard_common.api.customers import ImportOptions as OptionsBody
from trainyard_common.http.errors import ApiError, BadRequest, ErrorBody, ErrorDetail, Unprocessable


class TooManyRows(ApiError):
    status_code = 413
    code = "too_many_rows"


router = APIRouter(prefix="/v1", tags=["imports"])

Batches = AsyncIterator[list[RawRow]]
RunImport = Callable[[OptionsBody, Batches], Awaitable[ImportReport]]
"""The import itself, once the options and the rows' batches are known."""


@router.get("/customer-imports/template", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def template() -> Response:
    """The CSV header of an import (one row per customer and product)."""
    return Response(
        ",".join(TEMPLATE_HEADER) + "\r\n",
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="customer-import-template.csv"'},
    )


@router.post("/customer-imports", responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def import_customers(
    request: Request, actor: AdminActor, uow: UnitOfWork, settings: Settings, hashing: Hashing
) -> ImportResult:
    """A CSV (multipart field `file`) or JSON `{rows, ...options}`; per-row errors, the rest created."""
    run = partial(_run, uow=uow, hashing=hashing, settings=settings, actor=actor)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        report = await _from_csv(request, settings, run)
    elif content_type.startswith("application/json"):
        report = await _from_json(await request.body(), settings, run)
    else:
        raise Unprocessable("Send a CSV as multipart/form-data (field `file`) or JSON rows.", code="unsupported_type")
    return import_result_body(stored_import(report, now()))


@router.get("/customer-imports/{import_id}", responses={404: {"model": ErrorBody}})
async def get_import(import_id: uuid.UUID, uow: UnitOfWork) -> ImportResult:
    """The import's result as it completes: rows whose Price ID commerce-access refused become row
    errors; `settled` once every row with a Price ID has its answer."""
    return import_result_body(await import_result(uow, import_id))


def import_result_body(stored: StoredImport) -> ImportResult:
    return ImportResult(
        import_id=stored.import_id,
        created=stored.created,
        imported_rows=stored.imported_rows,
        errors=[RowErrorBody(row=e.number, reason=e.reason, field=e.field) for e in stored.all_errors()],
        orders=ImportOrders(
            expected=stored.orders_expected, ordered=stored.ordered, refused=stored.refused, pending=stored.pending
        ),
        settled=stored.pending == 0,
    )


async def _from_json(body: bytes, settings: OwnSettings, run: RunImport) -> ImportReport:
    try:
        parsed = ImportJson.model_validate_json(body)
    except ValidationError as exc:
        details = [ErrorDetail(field=".".join(map(str, e["loc"])) or "body", reason=e["msg"]) for e in exc.errors()]
        raise Unprocessable("The request is not valid.", details=details) from exc
    _within_limit(len(parsed.rows), settings)
    rows = [
        RawRow(number, {k: v for k, v in row.model_dump().items() if v is not None})
        for number, row in enumerate(parsed.rows, start=1)
    ]
    size = settings.import_batch_rows

    async def batches() -> Batches:
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    return await run(parsed, batches())


async def _from_csv(request: Request, settings: OwnSettings, run: RunImport) -> ImportReport:
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable(
                "The request is not valid.", details=[ErrorDetail(field="file", reason="a CSV file is required")]
            )
        try:
            options = OptionsBody.model_validate({k: v for k, v in form.items() if k != "file"})
        except ValidationError as exc:
            details = [ErrorDetail(field=".".join(map(str, e["loc"])), reason=e["msg"]) for e in exc.errors()]
            raise Unprocessable("The request is not valid.", details=details) from exc
        _within_limit(await asyncio.to_thread(_count_rows, upload.file), settings)
        return await run(options, _csv_batches(upload.file, settings.import_batch_rows))


def _within_limit(rows: int, settings: OwnSettings) -> None:
    if rows > settings.import_max_rows:
        raise TooManyRows(f"The import has {rows} rows; at most {settings.import_max_rows} are accepted.")
    if rows == 0:
        raise Unprocessable("The import has no rows.", code="empty_import")


async def _run(
    options: OptionsBody,
    batches: Batches,
    *,
    uow: CustomerUnitOfWork,
    hashing: HashingPool,
    settings: OwnSettings,
    actor: Actor,
) -> ImportReport:
    chosen = ImportOptions(
        require_password_change=options.require_password_change,
        send_welcome_email=options.send_welcome_email,
        email_subject=options.email_subject,
        additional_text=options.additional_text,
        currency=settings.import_currency,
        setup_links=SetupLinks.of(settings),
    )
    started = time.perf_counter()
    report = await CustomerImport(lambda: uow, hashing, chosen, actor).run(batches)
    IMPORT_SECONDS.inc(time.perf_counter() - started)
    IMPORT_HASHING_SECONDS.inc(report.hashing_seconds)
    IMPORT_ROWS.labels("imported").inc(report.imported_rows)
    IMPORT_ROWS.labels("rejected").inc(len(report.errors))
    return report


def _text(file: IO[bytes]) -> io.TextIOWrapper:
    file.seek(0)
    return io.TextIOWrapper(file, encoding="utf-8-sig", newline="")


def _data_rows(file: IO[bytes]) -> Iterator[list[str]]:
    """The rows after the header, blank lines skipped; a file that is not UTF-8 is refused."""
    text = _text(file)
    try:
        reader = csv.reader(text)
        next(reader, None)
        for row in reader:
            if any(cell.strip() for cell in row):
                yield row
    except UnicodeDecodeError as exc:
        raise BadRequest("The file is not UTF-8 text.", code="not_utf8") from exc
    except csv.Error as exc:
        raise BadRequest(f"The file is not valid CSV: {exc}", code="bad_csv") from exc
    finally:
        text.detach()  # the upload's file stays open; the form closes it


def _count_rows(file: IO[bytes]) -> int:
    return sum(1 for _ in _data_rows(file))


async def _csv_batches(file: IO[bytes], size: int) -> Batches:
    header_text = _text(file)
    header = next(csv.reader(header_text), [])
    header_text.detach()
    try:
        positions = column_positions(header)
    except BadHeader as exc:
        raise Unprocessable(
            f"The CSV header lacks {', '.join(exc.missing)}; use the template's header: {', '.join(TEMPLATE_HEADER)}.",
            code="bad_header",
        ) from exc
    rows = _data_rows(file)
    columns = [(f, i) for f in FIELDS if (i := positions.get(f)) is not None]  # once, not per row
    number = 0
    while chunk := await asyncio.to_thread(lambda: list(islice(rows, size))):
        batch = []
        for cells in chunk:
            number += 1
            batch.append(RawRow(number, {f: cells[i] for f, i in columns if i < len(cells)}))
        yield batch
