"""The broker going away while learners register: the gateway still answers 201, the events wait
in the outbox, and once the broker is back each is published once and the learner reaches their
client. On a broker and a system of its own (the fault suite's), so the other test runs, which
share the local broker, never see it stop and this test runs beside them."""

from __future__ import annotations

import uuid

import pytest
from faults.broker import LIBS
from faults.run import own_broker
from faults.workload import fault_system
from support.flows import (
    create_client,
    events_about,
    outbox_rows_about,
    register,
    unique_domain,
    wait_for_learner,
)

from trainyard_common.contracts import UserRegistered

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not LIBS.is_dir(), reason="a broker of its own needs the local launcher's Kafka jars"),
]


def test_learners_can_register_while_the_broker_is_down(pg_url: str) -> None:
    with own_broker() as broker, fault_system(pg_url, broker.bootstrap, "broker-outage") as running:
        system = running.system
        domain = unique_domain()
        with system.admin() as admin:
            client = create_client(admin, domain)
        broker.stop(remove=False)
        try:
            with system.public() as public:
                response = register(public, f"offline-{uuid.uuid4().hex[:6]}@{domain}")
            assert response.status_code == 201, response.text
            customer_id = response.json()["id"]
            # Both versions of UserRegistered wait in the outbox for the broker.
            assert outbox_rows_about(running.database("customer_account"), customer_id) == 2
        finally:
            broker.start()
        with system.admin() as admin:
            assert wait_for_learner(admin, client["id"], customer_id, timeout=120)["how"] == "domain"
        assert len(events_about(system, UserRegistered, customer_id)) == 1
