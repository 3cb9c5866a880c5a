"""Keeping the reporting facts from training and commerce events, and reading the report."""

from __future__ import annotations

from datetime import datetime

from client_directory.domain.reporting import ClientReport, OrderFact, ProgressFact, ReportQuery
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork


async def record_progress(uow: DirectoryUnitOfWork, fact: ProgressFact) -> None:
    if not await uow.learners.is_forgotten(fact.customer_id):
        await uow.reports.record_progress(fact)


async def delete_progress(uow: DirectoryUnitOfWork, fact: ProgressFact, deleted_at: datetime) -> None:
    """Deleted progress leaves the figures (it is no longer counted), and stays out of them."""
    if not await uow.learners.is_forgotten(fact.customer_id):
        await uow.reports.delete_progress(fact, deleted_at)


async def record_order(uow: DirectoryUnitOfWork, fact: OrderFact) -> None:
    if not await uow.learners.is_forgotten(fact.customer_id):
        await uow.reports.record_order(fact)


async def client_report(uow: DirectoryUnitOfWork, query: ReportQuery) -> tuple[list[ClientReport], int]:
    return await uow.reports.by_client(query)
