"""Keeping the reporting facts from training and commerce events, and reading the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from client_directory.domain.reporting import ClientReport, OrderFact, ProgressFact, ReportQuery
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork


async def record_progress(uow: DirectoryUnitOfWork, facts: Sequence[ProgressFact]) -> None:
    """Progress started, changed or completed, in the order it happened."""
    forgotten = await uow.learners.forgotten_among(f.customer_id for f in facts)
    await uow.reports.record_progress([f for f in facts if f.customer_id not in forgotten])


async def delete_progress(uow: DirectoryUnitOfWork, deletions: Sequence[tuple[ProgressFact, datetime]]) -> None:
    """Deleted progress leaves the figures (it is no longer counted), and stays out of them."""
    forgotten = await uow.learners.forgotten_among(fact.customer_id for fact, _ in deletions)
    await uow.reports.delete_progress([d for d in deletions if d[0].customer_id not in forgotten])


async def record_orders(uow: DirectoryUnitOfWork, facts: Sequence[OrderFact]) -> None:
    forgotten = await uow.learners.forgotten_among(f.customer_id for f in facts)
    await uow.reports.record_orders([f for f in facts if f.customer_id not in forgotten])


async def client_report(uow: DirectoryUnitOfWork, query: ReportQuery) -> tuple[list[ClientReport], int]:
    return await uow.reports.by_client(query)
