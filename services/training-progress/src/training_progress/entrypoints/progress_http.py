"""Routes: the Training Progress tabs (listing, manual completion, deletion) and partner summaries."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from training_progress.adapters import views
from training_progress.entrypoints.deps import ReadingUnitOfWork, UnitOfWork
from training_progress.service_layer import progress as use_cases
from trainyard_common.api.training import (
    ManualCompletionCreate,
    PartnerTrainingSummary,
    ProgressDeletion,
    ProgressDeletionResult,
    ProgressList,
    RecentCompletion,
    TopCertification,
)
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.http.plain_json import PlainJSON, capped_page
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

router = APIRouter(prefix="/v1", tags=["progress"])


@router.get("/training-progress", response_model=ProgressList)
async def list_progress(  # noqa: PLR0917 (one parameter per query filter)
    uow: ReadingUnitOfWork,
    type: TrainingItemType = TrainingItemType.MODULE,
    name: Annotated[str | None, Query(max_length=200)] = None,
    partner_id: uuid.UUID | None = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    progress: ProgressStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlainJSON:
    """One tab (modules, courses or certifications): an entry per user and item, filtered."""
    query = views.ProgressQuery(type.value, name, partner_id, user, progress.value if progress else None, limit, offset)
    async with uow:
        rows, total = await views.progress_list(uow.session, query)
    return PlainJSON(capped_page([_public_fields(r) for r in rows], total))


@router.post("/training-progress", status_code=201)
async def set_completed(body: ManualCompletionCreate, uow: UnitOfWork) -> dict[str, Any]:
    """ "Set Training as Completed" (past dates or today only)."""
    now = datetime.now(UTC)
    request = use_cases.ManualCompletion(
        body.training_type, body.item_id, body.customer_id, body.completed_on, body.partner_id
    )
    entry = await use_cases.manual_completion(uow, request, now.date(), now)
    return {"id": str(entry.id), "status": entry.status.value, "completed_at": entry.completed_at}


@router.post("/training-progress/deletions")
async def delete_progress(body: ProgressDeletion, uow: UnitOfWork) -> ProgressDeletionResult:
    """Delete one or many entries (all or none: an unknown id deletes nothing), or every entry a
    filter matches when they are ``expected_count`` (409 otherwise)."""
    now = datetime.now(UTC)
    if body.ids is not None:
        return ProgressDeletionResult(deleted=await use_cases.delete_entries(uow, body.ids, now))
    f = body.filter
    assert f is not None  # the body's validator
    assert body.expected_count is not None
    query = views.ProgressQuery(f.type.value, f.name, f.partner_id, f.user, f.progress.value if f.progress else None)
    return ProgressDeletionResult(deleted=await use_cases.delete_matching(uow, query, body.expected_count, now))


@router.get("/partners/{client_id}/training-summary")
async def partner_summary(
    client_id: uuid.UUID, uow: UnitOfWork, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> PartnerTrainingSummary:
    """Recent course and certification completions by the partner's users; top certifications."""
    async with uow:
        summary = await views.partner_summary(uow.session, client_id, limit)
    return PartnerTrainingSummary(
        partner_id=client_id,
        recent_activity=[_recent(r) for r in summary["recent_activity"]],
        top_certifications=[
            TopCertification(certification_id=r["item_id"], name=r["name"], completions=r["completions"])
            for r in summary["top_certifications"]
        ],
    )


def _recent(row: dict[str, Any]) -> RecentCompletion:
    return RecentCompletion(
        progress_id=row["id"],
        customer_id=row["customer_id"],
        user_name=_name(row),
        item_type=row["item_type"],
        item_id=row["item_id"],
        item_name=row["item_name"],
        completed_at=row["completed_at"],
    )


def _name(row: dict[str, Any]) -> str | None:
    if row.get("first_name") is None:
        return None
    return f"{row['first_name']} {row['last_name']}".strip()


def _public_fields(row: dict[str, Any]) -> dict[str, Any]:
    """``ProgressPublic``'s fields as plain data, written straight out (``PlainJSON``)."""
    return {
        "id": row["id"],
        "item_type": row["item_type"],
        "item_id": row["item_id"],
        "item_name": row["item_name"],
        "customer_id": row["customer_id"],
        "user_name": _name(row),
        "user_email": row["email"],
        "partner": {"id": row["partner_id"], "name": row["partner_name"]} if row["partner_id"] else None,
        "status": row["status"],
        "score": row["score"],
        "source": row["source"],
        "started_at": row["started_at"],
        "completed_at": row["completed_at"],
        "required_modules": row.get("required_modules"),
        "required_modules_completed": row.get("required_modules_completed"),
    }
