"""Reporting facts, and the report by client computed from them at query time.

Facts are stored per learner; every figure is summed by the learner's CURRENT client, so a
re-assignment moves the learner's past and future figures at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from client_directory.adapters.tables import classes, clients, enrollments, learners, report_orders, report_progress
from client_directory.domain.reporting import ClientReport, OrderFact, ProgressFact, ReportQuery, fold_progress
from trainyard_common.db.batches import InsertRows, last_per_key

_PROGRESS_COLUMNS = ("progress_id", "customer_id", "item_type", "status", "recorded_at", "completed_at")
# Recorded one after the other, facts of one entry merge so (``fold_progress`` does the same).
_RECORD_PROGRESS = InsertRows(
    report_progress,
    _PROGRESS_COLUMNS,
    conflict=["progress_id"],
    update={
        "status": "CASE WHEN report_progress.status = 'completed' THEN 'completed' ELSE excluded.status END",
        "completed_at": "coalesce(report_progress.completed_at, excluded.completed_at)",
        "recorded_at": "greatest(report_progress.recorded_at, excluded.recorded_at)",
    },
    where="report_progress.deleted_at IS NULL",
)
_DELETE_PROGRESS = InsertRows(
    report_progress, (*_PROGRESS_COLUMNS, "deleted_at"), conflict=["progress_id"], update=["deleted_at"]
)
_RECORD_ORDERS = InsertRows(
    report_orders, ("order_id", "customer_id", "total", "currency", "completed_at"), conflict=["order_id"]
)


def _progress_row(fact: ProgressFact) -> tuple[Any, ...]:
    status = "completed" if fact.completed else "in_progress"
    return (fact.progress_id, fact.customer_id, fact.item_type, status, fact.recorded_at, fact.completed_at)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_progress(self, facts: Sequence[ProgressFact]) -> None:
        """Upsert; a completion stays a completion, and a deleted entry stays deleted."""
        await _RECORD_PROGRESS.execute(self._session, [_progress_row(f) for f in fold_progress(facts)])

    async def delete_progress(self, deletions: Sequence[tuple[ProgressFact, datetime]]) -> None:
        """Mark the entries deleted (a tombstone, so a late ProgressRecorded cannot revive it)."""
        latest = last_per_key(deletions, key=lambda deletion: deletion[0].progress_id)  # the last event wins
        await _DELETE_PROGRESS.execute(self._session, [(*_progress_row(fact), at) for fact, at in latest])

    async def record_orders(self, facts: Sequence[OrderFact]) -> None:
        rows = [(f.order_id, f.customer_id, f.total, f.currency, f.completed_at) for f in facts]
        await _RECORD_ORDERS.execute(self._session, rows)

    async def by_client(self, query: ReportQuery) -> tuple[list[ClientReport], int]:
        chosen = select(clients.c.id, clients.c.name, clients.c.industry, clients.c.active)
        if query.client_ids:
            chosen = chosen.where(clients.c.id.in_(query.client_ids))
        if query.industry:
            chosen = chosen.where(clients.c.industry == query.industry)
        total = int(await self._session.scalar(select(func.count()).select_from(chosen.subquery())) or 0)
        rows = await self._session.execute(
            chosen.order_by(func.lower(clients.c.name), clients.c.id).limit(query.limit).offset(query.offset)
        )
        reports = {r.id: ClientReport(r.id, r.name, r.industry, r.active) for r in rows}
        if reports:
            await self._fill(reports, query)
        return list(reports.values()), total

    async def _fill(self, reports: dict[uuid.UUID, ClientReport], query: ReportQuery) -> None:
        of_clients = learners.c.client_id.in_(list(reports))
        n = func.count().label("n")
        for row in await self._session.execute(_per_client(of_clients, n)):
            reports[row.client_id].learners = row.n
        enrolled = (
            _per_client(of_clients, n)
            .join(enrollments, enrollments.c.customer_id == learners.c.customer_id)
            .join(classes, classes.c.id == enrollments.c.class_id)
            .where(*_within(classes.c.starts_on, query, dates=True))
        )
        for row in await self._session.execute(enrolled):
            reports[row.client_id].enrollments = row.n
        progress = (
            _per_client(of_clients, n, keys=(report_progress.c.item_type, report_progress.c.status))
            .join(report_progress, report_progress.c.customer_id == learners.c.customer_id)
            .where(
                report_progress.c.deleted_at.is_(None),
                *_within(func.coalesce(report_progress.c.completed_at, report_progress.c.recorded_at), query),
            )
        )
        for row in await self._session.execute(progress):
            reports[row.client_id].add_progress(row.item_type, row.status, row.n)
        revenue = func.sum(report_orders.c.total).label("revenue")
        orders = (
            _per_client(of_clients, n, revenue, keys=(report_orders.c.currency,))
            .join(report_orders, report_orders.c.customer_id == learners.c.customer_id)
            .where(*_within(report_orders.c.completed_at, query))
        )
        for row in await self._session.execute(orders):
            report = reports[row.client_id]
            report.orders += row.n
            report.revenue[row.currency] = row.revenue


def _per_client(
    of_clients: ColumnElement[bool], *figures: ColumnElement[Any], keys: tuple[ColumnElement[Any], ...] = ()
) -> Select[Any]:
    """``figures`` per current client of the learners (and per ``keys``)."""
    return (
        select(learners.c.client_id, *figures, *keys)
        .select_from(learners)
        .where(of_clients)
        .group_by(learners.c.client_id, *keys)
    )


def _within(column: ColumnElement[Any], query: ReportQuery, *, dates: bool = False) -> list[ColumnElement[bool]]:
    """``from`` ≤ column < the day after ``to`` (whole days, UTC)."""
    conditions: list[ColumnElement[bool]] = []
    if query.date_from is not None:
        start = query.date_from if dates else datetime.combine(query.date_from, time(), UTC)
        conditions.append(column >= start)
    if query.date_to is not None:
        if dates:
            conditions.append(column <= query.date_to)
        else:
            conditions.append(column < datetime.combine(query.date_to + timedelta(days=1), time(), UTC))
    return [and_(*conditions)] if conditions else []
