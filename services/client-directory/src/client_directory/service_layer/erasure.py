"""A customer erased or deleted: scrub or drop what client-directory holds, then send the receipt."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from client_directory.domain.learners import Learner
from client_directory.service_layer.assignments import remove
from client_directory.service_layer.classes import apply_on_arrival
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.erasure import send_erasure_receipt
from trainyard_common.vocabulary import ErasureKind, RemovalReason, ServiceName


async def erase_customer(uow: DirectoryUnitOfWork, customer_id: uuid.UUID) -> None:
    """E-mail and organisation go; the anonymous mapping (and so the report figures) stays."""
    now = datetime.now(UTC)
    await uow.learners.lock_arrivals([customer_id])
    if not await uow.learners.is_forgotten(customer_id):
        learner = await uow.learners.get_for_update(customer_id)
        if learner is None:  # unknown yet: the tombstone keeps a late registration's PII out
            learner = Learner(customer_id=customer_id, email=None, organization=None)
            # It is known from now on, so enrolments made before apply now (anonymously).
            pending = await uow.classes.pending_of([customer_id])
            apply_on_arrival(uow, learner, pending.get(customer_id, []))
        learner.erase(now)
        await uow.learners.save(learner)
    _receipt(uow, customer_id, ErasureKind.ERASED, ["learners.email", "learners.organization"])


async def delete_customer(uow: DirectoryUnitOfWork, customer_id: uuid.UUID) -> None:
    """Everything about the customer goes (pending enrolments too); only the bare id stays, so
    nothing brings it back."""
    await uow.learners.lock_arrivals([customer_id])  # no enrolment slips in before the tombstone
    learner = await uow.learners.get_for_update(customer_id)
    if learner is not None:
        remove(uow, learner, RemovalReason.CUSTOMER_ERASED, by_admin=False)
    await uow.learners.forget(customer_id, datetime.now(UTC))
    _receipt(uow, customer_id, ErasureKind.DELETED, ["enrollments", "report_progress", "report_orders", "learners"])


def _receipt(uow: DirectoryUnitOfWork, customer_id: uuid.UUID, kind: ErasureKind, removed: list[str]) -> None:
    send_erasure_receipt(uow, customer_id, ServiceName.CLIENT_DIRECTORY, kind, removed)
