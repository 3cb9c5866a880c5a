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

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from training_progress.domain import imports as rules
from training_progress.entrypoints.deps import ImportJobs, Settings, UnitsOfWork
from training_progress.service_layer import imports as use_cases
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import ImportPublic
from trainyard_common.csv_cells import write_rows
from trainyard_common.http.errors import ErrorDetail, Unprocessable

ROW_SETS: dict[str, rules.Outcome] = {
    "new": rules.Outcome.NEW,
    "already-completed": rules.Outcome.ALREADY_COMPLETED,
    "errors": rules.Outcome.ERROR,
}
ERROR_COLUMN = "Error"

router = APIRouter(prefix="/v1", tags=["imports"])


@router.get("/progress-imports/template")
async def template() -> Response:
    """The CSV template: the header and two example rows to replace."""
    return _csv_response("progress-import-template.csv", [rules.HEADER, *rules.TEMPLATE_ROWS])


@router.post("/progress-imports", status_code=201, responses={202: {"model": ImportPublic}})
async def upload(
    file: Annotated[UploadFile, File(description="The CSV file.")],
    units_of_work: UnitsOfWork,
    jobs: ImportJobs,
    settings: Settings,
) -> Response:
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
    import_id = await use_cases.open_import(units_of_work(), file.filename, now)
    analysis = use_cases.analyse(units_of_work, import_id, rows, positions, now.date())
    await asyncio.wait({jobs.start(_closing(spooled, analysis))}, timeout=settings.import_inline_seconds)
    state = await use_cases.state_of(units_of_work(), import_id)
    if state.status == "failed":
        raise Unprocessable(
            state.failure or "The file could not be read.",
            details=[ErrorDetail(field="file", reason=state.failure or "unreadable")],
        )
    return _state_response(state, 201 if state.status == "analysed" else 202)


@router.get("/progress-imports/{import_id}")
async def get_import(import_id: uuid.UUID, units_of_work: UnitsOfWork) -> ImportPublic:
    """The import's status, its analysis's progress (`rows_read`) and counts."""
    state = await use_cases.state_of(units_of_work(), import_id)
    return ImportPublic.model_validate(state, from_attributes=True)


@router.get("/progress-imports/{import_id}/rows/{row_set}.csv")
async def rows_csv(
    import_id: uuid.UUID, row_set: Literal["new", "already-completed", "errors"], units_of_work: UnitsOfWork
) -> Response:
    """One set of rows as CSV; the error set carries the reason (with the row number) in a fifth column."""
    state = await use_cases.state_of(units_of_work(), import_id)
    if state.status in {"analysing", "failed"}:
        raise Unprocessable("The analysis is not finished.", details=[ErrorDetail(field="id", reason=state.status)])
    return StreamingResponse(
        _stream_rows(units_of_work, import_id, ROW_SETS[row_set]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="progress-import-{row_set}.csv"'},
    )


@router.post("/progress-imports/{import_id}/commit", responses={202: {"model": ImportPublic}})
async def commit(import_id: uuid.UUID, units_of_work: UnitsOfWork, jobs: ImportJobs, settings: Settings) -> Response:
    """Import the New rows, all at once; an import commits once (409 afterwards)."""
    await use_cases.begin_commit(units_of_work(), import_id)
    task = jobs.start(use_cases.commit(units_of_work, import_id))
    await asyncio.wait({task}, timeout=settings.import_inline_seconds)
    state = await use_cases.state_of(units_of_work(), import_id)
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


def _state_response(state: rules.ImportState, status_code: int) -> Response:
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
    write_rows(buffer, rows, lineterminator="\r\n")  # uploaded cells: never formulas in a spreadsheet
    return buffer.getvalue()


async def _stream_rows(
    units_of_work: Callable[[], ProgressUnitOfWork], import_id: uuid.UUID, outcome: rules.Outcome
) -> AsyncIterator[str]:
    with_reason = outcome is rules.Outcome.ERROR
    yield _csv_text([(*rules.HEADER, ERROR_COLUMN) if with_reason else rules.HEADER])
    batch: list[tuple[str, ...]] = []
    async with units_of_work() as uow:
        async for row in uow.imports.stream_rows(import_id, outcome):
            batch.append((*row.cells, rules.row_error(row)) if with_reason else row.cells)
            if len(batch) >= 2000:
                yield _csv_text(batch)
                batch = []
    if batch:
        yield _csv_text(batch)
