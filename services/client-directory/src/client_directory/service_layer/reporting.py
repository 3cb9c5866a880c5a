"""Keeping the reporting facts from training and commerce events, and reading the report."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from client_directory.domain.classes import TrainingClass
from client_directory.domain.errors import NotFoundError
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


async def class_report(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID
) -> tuple[TrainingClass, list[tuple[uuid.UUID | None, str | None, int]]]:
    """Each enrolment of the class counted for the client the student had IN THAT CLASS (kept on
    the enrolment), not their current client: a later re-assignment outside the class does not
    move it. Students without a client in the class are one row with ``client_id`` null."""
    training_class = await uow.classes.get(class_id)
    if training_class is None:
        raise NotFoundError("No such class.")
    return training_class, await uow.classes.per_client_in_class(class_id)
