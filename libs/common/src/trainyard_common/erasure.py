"""Answering CustomerErased / CustomerDeleted with the receipt customer-account collects."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from trainyard_common.contracts import CustomerErasureCompleted
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.vocabulary import ErasureKind, ServiceName


def send_erasure_receipt(
    uow: SqlUnitOfWork,
    customer_id: uuid.UUID,
    service: ServiceName,
    kind: ErasureKind,
    removed: Sequence[str] = (),
) -> None:
    """Queue the receipt in the handler's transaction, so it leaves only if the scrub commits;
    ``removed``: what was removed (``table``) or anonymised (``table.column``), for the certificate."""
    if uow.event_id is None:
        raise RuntimeError("an erasure receipt needs the request's event id")
    uow.emit(
        CustomerErasureCompleted(
            customer_id=customer_id,
            service=service,
            request_event_id=uuid.UUID(uow.event_id),
            request_kind=kind,
            completed_at=datetime.now(UTC),
            removed=list(removed),
        )
    )
