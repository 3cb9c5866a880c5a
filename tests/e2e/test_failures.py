"""The reliability promises, tested by breaking things: a crash between commit and publish. (The
broker going away while learners register is ``test_broker_outage.py``, on a broker of its own.)"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.flows import (
    create_client,
    events_about,
    outbox_rows_about,
    register,
    unique_domain,
    wait_for_learner,
)

from trainyard_common.contracts import LearnerAssignedToClient, UserRegistered

pytestmark = pytest.mark.e2e


def test_a_crash_between_commit_and_publish_delays_the_event_but_loses_nothing(system: Any) -> None:
    domain = unique_domain()
    service = system.customer_account
    with system.admin() as admin:
        client = create_client(admin, domain)
    service.stop()
    service.start(TRAINYARD_OUTBOX_RELAY_ENABLED="false")  # committed, never published: then the crash
    try:
        with system.public() as public:
            response = register(public, f"crash-{uuid.uuid4().hex[:6]}@{domain}")
        assert response.status_code == 201, response.text
        customer_id = response.json()["id"]
        # UserRegistered and UserRegistered.v2 (personal fields sealed), committed with the customer.
        assert outbox_rows_about(service.env["TRAINYARD_DATABASE_URL"], customer_id) == 2
    finally:
        service.kill()
        service.start()  # even when an assertion failed: the other tests need the service

    with system.admin() as admin:
        wait_for_learner(admin, client["id"], customer_id)
    assert len(events_about(system, UserRegistered, customer_id)) == 1
    assert len(events_about(system, LearnerAssignedToClient, customer_id)) == 1
    assert outbox_rows_about(service.env["TRAINYARD_DATABASE_URL"], customer_id) == 0
