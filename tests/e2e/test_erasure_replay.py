"""Issue 16, item 2: after an erasure, the customer's whole history replayed from the earliest
offsets writes none of their personal data back, in any service's database.

A system of its own (its own topics and databases): a customer registers, changes their profile
and buys; an admin makes them inactive and erases them; once every service has sent its receipt,
every service is stopped, every consumer group of every service is reset to the earliest offset
with ``trainyard-offsets`` (the runbook's replay) and the idempotent consumers' claims are dropped
(as after their pruning, or for records re-published with new ids: else every replayed record is
skipped as a duplicate), the services start again and catch up — and no table of any database
holds the customer's e-mail or names.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from support.customers import Mailbox, eventually
from support.erasure import complete_certificate as _complete
from support.scan import found_in_databases as _found
from support.streams import topics_of_its_own

from trainyard_common.db.engine import async_url
from trainyard_common.messaging.admin import topic_partitions
from trainyard_common.messaging.offsets_cli import service_groups
from trainyard_common.testing.infrastructure import Endpoints
from trainyard_common.testing.system import System, running_system

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery"
CONSUMERS = ("customer-account", "client-directory", "commerce-access", "training-progress")
ENV = {"TRAINYARD_OUTBOX_POLL_SECONDS": "0.2", "TRAINYARD_OFFSET_COMMIT_INTERVAL_SECONDS": "0.2"}


@pytest.fixture
def own_system(endpoints: Endpoints, kafka_bootstrap: str, topic_prefix: str, mailbox: Mailbox) -> Iterator[System]:
    with (
        topics_of_its_own(kafka_bootstrap, topic_prefix, "erasure-replay") as prefix,
        running_system(
            endpoints.pg_url,
            kafka_bootstrap,
            prefix,
            admin_username="replay-admin",
            admin_password=uuid.uuid4().hex,
            common_env=ENV,
            service_env={"customer_account": {**mailbox.env(), "TRAINYARD_EMAIL_POLL_SECONDS": "0.2"}},
            local_launcher=endpoints.local_launcher,
        ) as system,
    ):
        yield system


def test_replaying_an_erased_customers_whole_history_writes_no_personal_data_back(own_system: System) -> None:
    system = own_system
    tag = uuid.uuid4().hex[:10]
    person = {
        "email": f"replayed-{tag}@erasure.example",
        "first_name": f"Grace{tag}",
        "last_name": f"Hopper{tag}",
        "organization": f"Navy {tag}",
    }
    renamed = {"first_name": f"Amazing{tag}", "last_name": f"Admiral{tag}"}
    personal = [*person.values(), *renamed.values()]

    with system.admin() as admin, system.public() as public:
        registered = public.post("/api/v1/learner/register", json={**person, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        customer_id = registered.json()["id"]
        session = public.post("/api/v1/learner/sessions", json={"email": person["email"], "password": PASSWORD})
        assert session.status_code == 201, session.text
        learner = {"Authorization": f"Bearer {session.json()['access_token']}"}
        product = admin.post(
            f"{ADMIN}/products",
            json={"name": f"Product {tag}", "access_days": 30, "prices": [{"amount": "9.99", "currency": "USD"}]},
        )
        assert product.status_code == 201, product.text
        price_id = product.json()["prices"][0]["price_id"]
        ordered = public.post("/api/v1/learner/orders", json={"price_id": price_id, "quantity": 1}, headers=learner)
        assert ordered.status_code in (200, 201), ordered.text
        edited = admin.patch(f"{ADMIN}/customers/{customer_id}", json=renamed)
        assert edited.status_code == 200, edited.text
        # Every projection has the customer, renamed, before the erasure.
        for service in (system.commerce_access, system.training_progress):
            assert eventually(lambda s=service: _projected(s, customer_id, renamed["first_name"]), timeout=60)

        inactive = admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"})
        assert inactive.status_code in (200, 204), inactive.text
        erased = admin.post(f"{ADMIN}/customers/{customer_id}/erasure")
        assert erased.status_code == 202, erased.text
        certificate = eventually(lambda: _complete(admin, customer_id), timeout=90)
        assert certificate, admin.get(f"{ADMIN}/customers/{customer_id}/erasure").text
    assert eventually(lambda: not _found(system, personal), timeout=30), _found(system, personal)

    # The replay: every service stopped, every group back to the earliest offset, started again.
    for service in system.processes():
        service.stop()
    offsets = [sys.executable, "-m", "trainyard_common.messaging.offsets_cli", "--bootstrap", system.kafka_bootstrap]
    for name in CONSUMERS:
        reset = subprocess.run(
            [*offsets, "--prefix", system.topic_prefix, "reset", name, "--to-earliest"],
            check=False,
            capture_output=True,
            text=True,
        )
        assert reset.returncode == 0, reset.stderr
        assert "-> 0" in reset.stdout, f"{name}: no group rewound\n{reset.stdout}"
    for service in system.processes():  # every record new to every service (see _forget_claims)
        _forget_claims(service.env["TRAINYARD_DATABASE_URL"])
    for service in system.processes():
        service.start()
    for service in system.processes():
        service.wait_ready()
    assert eventually(lambda: _caught_up(system), timeout=120), "the services never caught up with the replay"
    time.sleep(1)  # the last batches' transactions commit before their offsets; let any straggler land

    assert _found(system, personal) == []
    for service in (system.commerce_access, system.training_progress):
        assert service.signed().get(f"/v1/customers/{customer_id}").status_code == 404


def _forget_claims(database_url: str) -> None:
    """Drop the idempotent consumer's claims (``processed_events``), as if they had been pruned or
    the records re-published with new ids: with them, the replayed records would all be skipped
    as duplicates and the replay would prove nothing."""
    engine = create_engine(async_url(database_url), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if conn.execute(text("SELECT to_regclass('processed_events')")).scalar() is not None:
                conn.execute(text("DELETE FROM processed_events"))
    finally:
        engine.dispose()


def _projected(service: Any, customer_id: str, first_name: str) -> bool:
    found = service.signed().get(f"/v1/customers/{customer_id}")
    return found.status_code == 200 and found.json()["first_name"] == first_name


def _caught_up(system: System) -> bool:
    """Every consumer group of every service has committed the end of every partition it reads."""
    return asyncio.run(_lag(system.kafka_bootstrap, system.topic_prefix)) == 0


async def _lag(bootstrap: str, prefix: str) -> int:
    lag = 0
    for name in CONSUMERS:
        for group, topic in (await service_groups(bootstrap, name, prefix)).items():
            partitions = await topic_partitions(bootstrap, topic)
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
            await consumer.start()
            try:
                ends = await consumer.end_offsets(partitions)
                for tp in partitions:
                    lag += ends[tp] - ((await consumer.committed(tp)) or 0)
            finally:
                await consumer.stop()
    return lag
