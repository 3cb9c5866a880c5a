"""The reliability promises, tested by breaking things: a crash between commit and publish,
and the broker going away while learners register. (That one stops the shared broker: marked
``stops_broker``, `make test` runs it alone, after every other test.)"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from support.flows import create_client, events_about, register, unique_domain, wait_for_learner

from trainyard_common.contracts import LearnerAssignedToClient, UserRegistered
from trainyard_common.testing.infrastructure import start_kafka, stop_kafka

pytestmark = pytest.mark.e2e


def outbox_rows_about(database_url: str, customer_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE message_key = %s", (customer_id,)).fetchone()
    return int(row[0]) if row else 0


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


@pytest.mark.stops_broker
def test_learners_can_register_while_the_broker_is_down(system: Any) -> None:
    if not system.local_launcher:
        pytest.skip("stopping the broker needs the local launcher's Kafka (not an external or container one)")
    domain = unique_domain()
    with system.admin() as admin:
        client = create_client(admin, domain)
    stop_kafka()
    try:
        with system.public() as public:
            response = register(public, f"offline-{uuid.uuid4().hex[:6]}@{domain}")
        assert response.status_code == 201, response.text
        customer_id = response.json()["id"]
        # Both versions of UserRegistered wait in the outbox for the broker.
        assert outbox_rows_about(system.customer_account.env["TRAINYARD_DATABASE_URL"], customer_id) == 2
    finally:
        start_kafka()
    with system.admin() as admin:
        assert wait_for_learner(admin, client["id"], customer_id, timeout=120)["how"] == "domain"
    assert len(events_about(system, UserRegistered, customer_id)) == 1
