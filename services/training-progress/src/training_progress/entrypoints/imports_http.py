"""Routes: the two-step progress import (template, upload and analysis, the three row sets, commit).

Both steps run as background jobs; the request waits for a short while, so a small file's answer
is final (201 analysed, 200 committed) and a large one's is 202 with the import to poll
(``GET /v1/progress-imports/{id}``: status and ``rows_read``).
"""

import asyncio
import codecs
import csv
import io
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from training_progress.adapters.imports import ImportState, StoredRow
from training_progress.domain import imports as rules
from training_progress.entrypoints.errors import http_errors
from training_progress.service_layer import imports as use_cases
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import ImportPublic
from trainyard_common.http.errors import ErrorDetail, Unprocessable

ROW_SETS: dict[str, rules.Outcome] = {
    "new": rules.Outcome.NEW,
    "already-completed": rules.Outcome.ALREADY_COMPLETED,
    "errors": rules.Outcome.ERROR,
}
ERROR_COLUMN = "Error"


def add_import_routes(
    router: APIRouter, uow_factory: Callable[[], ProgressUnitOfWork], jobs: use_cases.Jobs, inline_seconds: float
) -> None:
    UnitOfWork = Annotated[ProgressUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.get("/progress-imports/template", tags=["imports"])
    async def template() -> Response:
        """The CSV template: the header and two example rows to replace."""
        return _csv_response("progress-import-template.csv", [rules.HEADER, *rules.TEMPLATE_ROWS])

    @router.post("/progress-imports", status_code=201, tags=["imports"], responses={202: {"model": ImportPublic}})
    async def upload(file: Annotated[UploadFile, File(description="The CSV file.")], uow: UnitOfWork) -> Response:
        """Analyse a CSV file into New, Already completed and Errors (counts; the rows as CSV downloads)."""
        spooled = await asyncio.to_thread(_own_copy, file.file)
        rows = csv.reader(codecs.getreader("utf-8-sig")(spooled))
        try:
            positions = rules.column_positions(next(rows, []))
        except (rules.HeaderError, UnicodeDecodeError, csv.Error) as exc:
            spooled.close()
            reason = str(exc) if isinstance(exc, rules.HeaderError) else "The file is not a UTF-8 CSV file."
            raise Unprocessable(reason, details=[ErrorDetail(field="file", reason=reason)]) from exc
        now = datetime.now(UTC)
        import_id = await use_cases.open_import(uow, file.filename, now)
        task = jobs.start(_closing(spooled, use_cases.analyse(uow_factory, import_id, rows, positions, now.date())))
        await asyncio.wait({task}, timeout=inline_seconds)
        state = await use_cases.state_of(uow_factory(), import_id)
        if state.status == "failed":
            raise Unprocessable(
                state.failure or "The file could not be read.",
                details=[ErrorDetail(field="file", reason=state.failure or "unreadable")],
            )
        return _state_response(state, 201 if state.status == "analysed" else 202)

    @router.get("/progress-imports/{import_id}", tags=["imports"])
    async def get_import(import_id: uuid.UUID) -> ImportPublic:
        """The import's status, its analysis's progress (`rows_read`) and counts."""
        with http_errors():
            state = await use_cases.state_of(uow_factory(), import_id)
        return ImportPublic.model_validate(state, from_attributes=True)

    @router.get("/progress-imports/{import_id}/rows/{row_set}.csv", tags=["imports"])
    async def rows_csv(import_id: uuid.UUID, row_set: Literal["new", "already-completed", "errors"]) -> Response:
        """One set of rows as CSV; the error set carries the reason (with the row number) in a fifth column."""
        with http_errors():
            state = await use_cases.state_of(uow_factory(), import_id)
        if state.status in {"analysing", "failed"}:
            raise Unprocessable("The analysis is not finished.", details=[ErrorDetail(field="id", reason=state.status)])
        outcome = ROW_SETS[row_set]
        return StreamingResponse(
            _stream_rows(uow_factory, import_id, outcome),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="progress-import-{row_set}.csv"'},
        )

    @router.post("/progress-imports/{import_id}/commit", tags=["imports"], responses={202: {"model": ImportPublic}})
    async def commit(import_id: uuid.UUID) -> Response:
        """Import the New rows, all at once; an import commits once (409 afterwards)."""
        with http_errors():
            await use_cases.begin_commit(uow_factory(), import_id)
        task = jobs.start(use_cases.commit(uow_factory, import_id))
        await asyncio.wait({task}, timeout=inline_seconds)
        state = await use_cases.state_of(uow_factory(), import_id)
        return _state_response(state, 200 if state.status == "committed" else 202)


def _own_copy(upload: IO[bytes]) -> IO[bytes]:
    """The upload in a temporary file of our own: the job outlives the request (and its upload)."""
    copy = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the job)
    shutil.copyfileobj(upload, copy, 1 << 20)
    copy.seek(0)
    return copy


async def _closing(file: IO[bytes], job: Coroutine[Any, Any, None]) -> None:
    try:
        await job
    finally:
        file.close()


def _state_response(state: ImportState, status_code: int) -> Response:
    body = ImportPublic.model_validate(state, from_attributes=True)
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code)


def _csv_response(name: str, rows: list[tuple[str, ...]]) -> Response:
    return Response(
        _csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv_text(rows: list[tuple[str, ...]] | Iterator[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def _stream_rows(
    uow_factory: Callable[[], ProgressUnitOfWork], import_id: uuid.UUID, outcome: rules.Outcome
) -> AsyncIterator[str]:
    with_reason = outcome is rules.Outcome.ERROR
    yield _csv_text([(*rules.HEADER, ERROR_COLUMN) if with_reason else rules.HEADER])
    batch: list[tuple[str, ...]] = []
    async with uow_factory() as uow:
        async for row in uow.imports.stream_rows(import_id, outcome):
            batch.append((*row.cells, _reason(row)) if with_reason else row.cells)
            if len(batch) >= 2000:
                yield _csv_text(batch)
                batch = []
    if batch:
        yield _csv_text(batch)


def _reason(row: StoredRow) -> str:
    if row.reason:
        reason = row.reason
    elif row.problem == "unknown_email":
        reason = rules.unknown_email_reason(row.cells[0])
    elif row.problem == "no_item":
        reason = rules.no_item_reason(row.item_type or "item", row.cells[2])
    else:
        reason = rules.duplicate_reason(row.duplicate_of or 0)
    return f"Row {row.row_number}: {reason}"
