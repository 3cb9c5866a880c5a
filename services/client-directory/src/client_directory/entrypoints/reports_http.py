"""Route: the report by client, computed from the facts at query time."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from client_directory.domain.errors import InvalidInput
from client_directory.domain.reporting import ClientReport, ReportQuery
from client_directory.entrypoints.deps import UnitOfWork
from client_directory.service_layer.reporting import class_report, client_report
from trainyard_common.api.clients import (
    ClassReportPublic,
    ClassReportRow,
    ClientReportList,
    ClientReportPublic,
    TrainingCounts,
)

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get("/reports/clients")
async def report_by_client(
    uow: UnitOfWork,
    *,
    client_id: Annotated[list[str] | None, Query()] = None,
    industry: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ClientReportList:
    """Per client (inactive ones included): learners, enrolments, progress by type, orders, revenue."""
    query = ReportQuery(_client_ids(client_id), industry, date_from, date_to, limit, offset)
    async with uow:
        reports, total = await client_report(uow, query)
    return ClientReportList(items=[_public(r) for r in reports], total=total)


@router.get("/reports/classes/{class_id}")
async def report_by_class(class_id: uuid.UUID, uow: UnitOfWork) -> ClassReportPublic:
    """Each enrolment counted for the client the student had in that class."""
    async with uow:
        training_class, rows = await class_report(uow, class_id)
    return ClassReportPublic(
        class_id=training_class.id,
        class_name=training_class.name,
        starts_on=training_class.starts_on,
        ends_on=training_class.ends_on,
        enrollments=sum(n for _, _, n in rows),
        items=[ClassReportRow(client_id=c, client_name=name, enrollments=n) for c, name, n in rows],
    )


def _client_ids(values: list[str] | None) -> tuple[uuid.UUID, ...]:
    """``client_id`` may repeat, and each value may be a comma-separated list (as the gateway sends it)."""
    ids: list[uuid.UUID] = []
    for value in values or []:
        for part in value.split(","):
            if part.strip():
                try:
                    ids.append(uuid.UUID(part.strip()))
                except ValueError:
                    raise InvalidInput("client_id", f"not a UUID: {part.strip()!r}") from None
    return tuple(dict.fromkeys(ids))


def _public(report: ClientReport) -> ClientReportPublic:
    return ClientReportPublic(
        client_id=report.client_id,
        client_name=report.client_name,
        industry=report.industry,
        active=report.active,
        learners=report.learners,
        enrollments=report.enrollments,
        progress={
            kind: TrainingCounts(in_progress=c.in_progress, completed=c.completed)
            for kind, c in report.progress.items()
        },
        orders=report.orders,
        revenue=report.revenue,
    )
