"""Several events of one learner in one partition batch end as they did applied one by one:
partners (the last assignment wins; a removal from a partner already left changes nothing) and
access rows (the last state wins)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from trainyard_common.contracts import AccessChanged, LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.testing.in_process import wait_for
from trainyard_common.vocabulary import AssignmentReason, RemovalReason

from .conftest import Training

pytestmark = pytest.mark.integration


def assigned(customer_id: uuid.UUID, client_id: uuid.UUID, name: str) -> LearnerAssignedToClient:
    return LearnerAssignedToClient(
        customer_id=customer_id,
        client_id=client_id,
        client_name=name,
        reason=AssignmentReason.DOMAIN,
        assigned_at=datetime.now(UTC),
    )


def removed(customer_id: uuid.UUID, client_id: uuid.UUID) -> LearnerRemovedFromClient:
    return LearnerRemovedFromClient(
        customer_id=customer_id, client_id=client_id, reason=RemovalReason.MANUAL, removed_at=datetime.now(UTC)
    )


async def partner(training: Training, customer_id: uuid.UUID) -> tuple[Any, ...] | None:
    async with training.runtime.engine.connect() as conn:
        query = text("SELECT client_id, client_name FROM learner_clients WHERE customer_id = :id")
        row = (await conn.execute(query, {"id": customer_id})).first()
    return tuple(row) if row else None


async def test_partner_events_in_one_batch_end_as_applied_in_order(training: Training) -> None:
    one, two, three = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a, b = uuid.uuid4(), uuid.uuid4()

    ids = await training.send_together(
        assigned(one, a, "Acme"), assigned(two, b, "Beta"), assigned(one, b, "Beta"), assigned(three, b, "Beta")
    )
    await wait_for(lambda: training.handled(ids))
    assert [await partner(training, x) for x in (one, two, three)] == [(b, "Beta")] * 3

    ids = await training.send_together(removed(one, a), removed(one, b), removed(two, b), removed(three, a))
    await wait_for(lambda: training.handled(ids))
    assert [await partner(training, x) for x in (one, two, three)] == [None, None, (b, "Beta")], (
        "three was never with a: it stays with b"
    )


async def test_the_last_state_of_an_access_row_in_one_batch_wins(training: Training) -> None:
    facts: dict[str, Any] = {
        "access_id": uuid.uuid4(),
        "customer_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "order_id": uuid.uuid4(),
        "starts_on": date(2026, 1, 1),
        "previous_starts_on": date(2026, 1, 1),
    }
    ends = [date(2026, 6, 1), date(2026, 9, 1), date(2026, 3, 1)]
    at = datetime.now(UTC)
    ids = await training.send_together(
        *(AccessChanged(**facts, ends_on=end, changed_at=at + timedelta(seconds=n)) for n, end in enumerate(ends))
    )
    await wait_for(lambda: training.handled(ids))

    assert await training.scalar("SELECT ends_on FROM access WHERE access_id = :id", id=facts["access_id"]) == ends[-1]
    assert await training.scalar("SELECT state FROM access WHERE access_id = :id", id=facts["access_id"]) == "active"
