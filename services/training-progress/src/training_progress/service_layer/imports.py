"""The two-step progress import: analyse a CSV file into New / Already completed / Errors, then commit
the New rows in one transaction. Both steps run as background jobs the admin can poll.

Analysis streams the file: rows are parsed and COPYed in chunks (each chunk commits, so
``rows_read`` shows how far it got), then sorted with set-based SQL. Commit writes every New row's
completion, the roll-up to courses and certifications, and all their events atomically; an import
commits once. The events are written by the same statements as the entries (``INSERT INTO outbox
… SELECT``, payloads built by PostgreSQL): a 100,000-row import writes ~400,000 of them, and a
Python object per event cost more than everything else together.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from training_progress.domain import imports as rules
from training_progress.domain.errors import Conflict, NotFound
from training_progress.domain.imports import ImportState
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.db.bulk import allow_large_sorts, custom_plans
from trainyard_common.logs import get_logger

log = get_logger(__name__)

UowFactory = Callable[[], ProgressUnitOfWork]
CHUNK_ROWS = 10_000
_NOT_COMMITTABLE = {
    "analysing": "The analysis is not finished yet.",
    "committing": "The import is being committed already.",
    "committed": "The import was committed already.",
    "failed": "The analysis failed; upload the file again.",
}


class Jobs:
    """Background jobs of this process; references are kept so the tasks are not garbage-collected."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


async def open_import(uow: ProgressUnitOfWork, file_name: str | None, now: datetime) -> uuid.UUID:
    import_id = uuid.uuid4()
    async with uow:
        await uow.imports.create(import_id, file_name, now)
        await uow.commit()
    return import_id


async def analyse(
    uow_factory: UowFactory,
    import_id: uuid.UUID,
    rows: Iterator[list[str]],
    positions: tuple[int, int, int, int],
    today: date,
) -> None:
    """The job: read the data rows (the header was row 1), store them, sort them, count them."""
    try:
        parsed = _parsed_rows(rows, positions, today)
        read = 0
        while chunk := list(islice(parsed, CHUNK_ROWS)):
            read += len(chunk)
            if read > rules.MAX_ROWS:
                raise rules.HeaderError(f"The file has more than {rules.MAX_ROWS} rows; split it.")
            async with uow_factory() as uow:
                await uow.imports.add_rows(import_id, chunk)
                await uow.imports.set(import_id, rows_read=read)
                await uow.commit()
        async with uow_factory() as uow:
            counts = await uow.imports.sort(import_id)
            await uow.imports.set(
                import_id,
                status="analysed",
                new=counts.get(rules.Outcome.NEW.value, 0),
                already_completed=counts.get(rules.Outcome.ALREADY_COMPLETED.value, 0),
                errors=counts.get(rules.Outcome.ERROR.value, 0),
            )
            await uow.commit()
    except (rules.HeaderError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        await _fail(uow_factory, import_id, _unreadable(exc))
    except Exception as exc:
        log.exception("progress import analysis failed", import_id=str(import_id))
        await _fail(uow_factory, import_id, f"The analysis failed: {type(exc).__name__}.")


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "The file is not UTF-8 text."
    return str(exc) or "The file is not a readable CSV file."


def _parsed_rows(
    rows: Iterator[list[str]], positions: tuple[int, int, int, int], today: date
) -> Iterator[rules.ParsedRow]:
    for row_number, cells in enumerate(rows, start=2):
        if not rules.is_blank(cells):
            yield rules.parse_row(row_number, cells, positions, today)


async def _fail(uow_factory: UowFactory, import_id: uuid.UUID, reason: str) -> None:
    async with uow_factory() as uow:
        await uow.imports.set(import_id, status="failed", failure=reason)
        await uow.commit()


async def begin_commit(uow: ProgressUnitOfWork, import_id: uuid.UUID) -> None:
    """Claim the import for committing; a second commit (or one before the analysis ends) is refused."""
    async with uow:
        state = await uow.imports.get(import_id, for_update=True)
        if state is None:
            raise NotFound("No such import.", field="id")
        if state.status != "analysed":
            raise Conflict(_NOT_COMMITTABLE.get(state.status, "The import cannot be committed."), field="id")
        await uow.imports.set(import_id, status="committing", failure=None)
        await uow.commit()


async def commit(uow_factory: UowFactory, import_id: uuid.UUID) -> None:
    """The job: every New row's completion, the roll-up and all events, in one transaction."""
    now = datetime.now(UTC)
    try:
        async with uow_factory() as uow:
            await allow_large_sorts(uow.session)
            announce = uow.change_announcement()
            async with custom_plans(uow.session):  # a plan cached for a small import would not do
                imported = await uow.imports.commit_new_rows(import_id, now, announce)
                await uow.progress.roll_up_import(import_id, now=now, announce=announce)
            await uow.imports.set(import_id, status="committed", imported=imported, committed_at=now)
            await uow.commit()
    except Exception as exc:
        log.exception("progress import commit failed", import_id=str(import_id))
        async with uow_factory() as uow:  # nothing was written: the import may be committed again
            await uow.imports.set(import_id, status="analysed", failure=f"The commit failed: {type(exc).__name__}.")
            await uow.commit()


async def state_of(uow: ProgressUnitOfWork, import_id: uuid.UUID) -> ImportState:
    async with uow:
        state = await uow.imports.get(import_id)
    if state is None:
        raise NotFound("No such import.", field="id")
    return state
