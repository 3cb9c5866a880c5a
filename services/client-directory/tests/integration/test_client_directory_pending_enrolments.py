"""Enrolments racing registrations over real Kafka (issue 14): an admin enrols customers while
their UserRegistered is still on its way; every enrolment is accepted and, once the registration
is consumed, the student has the class's default client."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from trainyard_common.contracts import UserRegisteredV2
from trainyard_common.testing.sealed_events import registered

pytestmark = pytest.mark.integration


def registration(customer_id: uuid.UUID) -> UserRegisteredV2:
    return registered(customer_id, f"ada-{customer_id.hex[:8]}@nowhere.example")


async def test_enrolments_racing_their_registrations_all_end_with_the_class_client(directory: Any) -> None:
    partner = await directory.create_client([])
    created = await directory.http.post(
        "/v1/classes",
        json={"name": "Racing", "starts_on": "2026-03-02", "ends_on": "2026-03-03", "default_client_id": partner},
    )
    class_id = created.json()["id"]
    newcomers = [uuid.uuid4() for _ in range(12)]

    async def enrol(customer_id: uuid.UUID) -> Any:
        return await directory.http.post(
            f"/v1/classes/{class_id}/enrollments", json={"customer_ids": [str(customer_id)]}
        )

    # Half are enrolled before their registration is even sent, half at the same instant.
    early = [await enrol(c) for c in newcomers[:6]]
    together = await asyncio.gather(
        *(directory.send(registration(c)) for c in newcomers), *(enrol(c) for c in newcomers[6:])
    )
    answers = [*early, *together[len(newcomers) :]]
    assert [a.status_code for a in answers] == [200] * len(newcomers), [a.text for a in answers]
    assert all(a.json()["enrolled"] for a in answers)
    assert all(a.json()["pending"] for a in early)  # the race was real: not known when enrolled

    for customer_id in newcomers:
        row = await directory.wait_learner(customer_id, lambda r: r["client_id"] is not None)
        assert (str(row["client_id"]), row["reason"]) == (partner, "class")
    students = (await directory.http.get(f"/v1/classes/{class_id}/students")).json()
    assert {s["status"] for s in students["items"]} == {"enrolled"}
    assert sorted(s["customer_id"] for s in students["items"]) == sorted(str(c) for c in newcomers)
    assert {s["client"]["id"] for s in students["items"]} == {partner}
