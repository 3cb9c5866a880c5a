"""Routes: a customer's transcript (and its admin edits) and the GDPR export part."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from training_progress.adapters import views
from training_progress.domain.catalogue import Item
from training_progress.entrypoints.deps import ReadingUnitOfWork, UnitOfWork
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import Transcript, TranscriptEdit, TranscriptItem, TranscriptModule, Transcripts
from trainyard_common.csv_cells import export_file
from trainyard_common.http.deps import Ids
from trainyard_common.http.export_parts import ExportPart
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

router = APIRouter(prefix="/v1")


@router.get("/customers/{customer_id}/transcript", tags=["transcript"])
async def transcript(customer_id: uuid.UUID, uow: ReadingUnitOfWork) -> Transcript:
    """Every item the customer has access to or progress on: status, score, completion, access expiry."""
    async with uow:
        return await _transcript(uow, customer_id)


@router.get("/transcripts", tags=["transcript"])
async def transcripts(uow: ReadingUnitOfWork, customer_id: Ids) -> Transcripts:
    """These customers' transcripts, in their order, each as its own route answers it: what the
    gateway's customer view reads again for many customers at once (a transcript that an order's
    access changed, read a moment after it)."""
    async with uow:
        return Transcripts(items=[await _transcript(uow, customer) for customer in customer_id])


async def _transcript(uow: ProgressUnitOfWork, customer_id: uuid.UUID) -> Transcript:
    rows = await views.transcript(uow.session, customer_id)
    courses = [r["item_id"] for r in rows if r["item_type"] == TrainingItemType.COURSE.value]
    modules = await views.course_modules_progress(uow.session, customer_id, courses)
    return Transcript(customer_id=customer_id, items=[_transcript_item(r, modules) for r in rows])


@router.patch("/customers/{customer_id}/transcript/{item_id}", tags=["transcript"])
async def edit_transcript_item(
    customer_id: uuid.UUID, item_id: uuid.UUID, body: TranscriptEdit, uow: UnitOfWork
) -> dict[str, Any]:
    """The transcript's "Edit": status, completion date and time, score (modules only)."""
    edit = use_cases.EntryEdit(
        completed=None if body.status is None else body.status is ProgressStatus.COMPLETED,
        completed_at=body.completed_at,
        score=body.score,
        score_given="score" in body.model_fields_set,
        attended=body.attended,
    )
    entry = await use_cases.edit_entry(uow, customer_id, item_id, edit, datetime.now(UTC))
    return {"id": str(entry.id), "status": entry.status.value, "score": entry.score, "completed_at": entry.completed_at}


@router.get("/customers/{customer_id}/export", tags=["learners"])
async def export_part(customer_id: uuid.UUID, uow: UnitOfWork) -> ExportPart:
    """Completions, quiz results and SCORM CMI data, for the GDPR export."""
    async with uow:
        entries = await uow.progress.of_customer(customer_id)
        submissions = await uow.submissions.of_customer(customer_id)
        cmi = await uow.cmi.of_customer(customer_id)
        names = {i: await uow.catalogue.get(i) for i in {s.quiz_id for s in submissions} | {c[0] for c in cmi}}
    completions = [
        (
            e.entry.item_type,
            e.item_name,
            e.entry.status,
            e.entry.score,
            e.entry.source,
            e.entry.started_at,
            e.entry.completed_at,
        )
        for e in entries
    ]
    quiz_results = [
        (
            _item_name(names.get(s.quiz_id)),
            s.submitted_at,
            s.score,
            s.passed,
            s.source,
            json.dumps({str(q): sorted(c) for q, c in s.answers.items()}),
        )
        for s in submissions
    ]
    cmi_rows = [(_item_name(names.get(m)), at, json.dumps(data, sort_keys=True)) for m, data, at in cmi]
    return ExportPart(
        files=[
            export_file(
                "completions.csv",
                ("item_type", "item", "status", "score", "source", "started_at", "completed_at"),
                completions,
            ),
            export_file(
                "quiz_results.csv", ("quiz", "submitted_at", "score", "passed", "source", "answers"), quiz_results
            ),
            export_file("scorm_cmi.csv", ("module", "updated_at", "data"), cmi_rows),
        ]
    )


def _item_name(item: Item | None) -> str:
    return item.name if item else ""


def _access(row: dict[str, Any]) -> tuple[str, Any]:
    if row["active"] is None:
        return "none", None
    if row["active"]:
        return "active", None if row["unlimited"] else row["active_until"]
    states = set(row["states"] or [])
    return ("revoked" if "revoked" in states and "expired" not in states else "expired"), row["last_end"]


def _transcript_item(row: dict[str, Any], modules: list[dict[str, Any]]) -> TranscriptItem:
    access, expires = _access(row)
    course_modules = None
    if row["item_type"] == TrainingItemType.COURSE.value:
        course_modules = [
            TranscriptModule(
                module_id=m["module_id"],
                name=m["name"],
                required=m["required"],
                status=m["status"] or "not_started",
                score=m["score"],
                completed_at=m["completed_at"],
            )
            for m in modules
            if m["course_id"] == row["item_id"]
        ]
    return TranscriptItem(
        item_type=row["item_type"],
        item_id=row["item_id"],
        name=row["name"],
        kind=row["kind"],
        progress_id=row["progress_id"],
        status=row["status"] or "not_started",
        score=row["score"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        access=access,
        access_expires_on=expires,
        modules=course_modules,
    )
