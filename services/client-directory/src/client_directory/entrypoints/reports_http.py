"""Route: the report by client, computed from the facts at query time."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from client_directory.domain.reporting import ClientReport, ReportQuery
from client_directory.entrypoints.deps import UnitOfWork
from client_directory.service_layer.reporting import client_report
from trainyard_common.api.clients import ClientReportList, ClientReportPublic, TrainingCounts

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get("/reports/clients")
async def report_by_client(
    uow: UnitOfWork,
    *,
    client_id: uuid.UUID | None = None,
    industry: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ClientReportList:
    """Per client (inactive ones included): learners, enrolments, progress by type, orders, revenue."""
    query = ReportQuery(client_id, industry, date_from, date_to, limit, offset)
    async with uow:
        reports, total = await client_report(uow, query)
    return ClientReportList(items=[_public(r) for r in reports], total=total)


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
