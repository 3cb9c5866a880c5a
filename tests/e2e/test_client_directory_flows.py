"""client-directory through the gateway, with every service running as a process.

Events of services not built yet (training progress, orders, profile changes, erasure) are put
on their topics as those services will send them, with the CloudEvents envelope."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from support.flows import create_client, register, unique_domain, wait_for_learner

from trainyard_common.contracts import (
    CustomerErased,
    Event,
    OrderCompleted,
    OrderLine,
    TrainingCompleted,
)
from trainyard_common.messaging.envelope import Envelope
from trainyard_common.testing.kafka import produce
from trainyard_common.testing.sealed_events import profile_updated
from trainyard_common.vocabulary import OrderSource, ProgressSource, TrainingItemType

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"


def send(system: Any, event: Event) -> None:
    envelope = Envelope(event_type=event.event_type, source="/tests", subject=event.aggregate_id())
    topic = system.topic_prefix + event.topic()
    payload = event.model_dump_json().encode()
    asyncio.run(
        produce(
            system.kafka_bootstrap, topic, payload, key=event.aggregate_id().encode(), headers=envelope.to_headers()
        )
    )


def customer_key(system: Any, customer_id: str) -> bytes:
    """The customer's data key, as customer-account serves it to the services."""
    with system.customer_account.signed() as service:
        served = service.get(f"/v1/customer-keys/{customer_id}")
    assert served.status_code == 200, served.text
    text = served.json()["key"]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def registered(public: httpx.Client, email: str, **extra: Any) -> str:
    response = register(public, email, **extra)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def report_row(admin: httpx.Client, client_id: str) -> dict[str, Any]:
    response = admin.get(f"{ADMIN}/reports/clients", params={"client_id": client_id})
    assert response.status_code == 200, response.text
    [row] = response.json()["items"]
    return dict(row)


def wait_report(admin: httpx.Client, client_id: str, check: Any, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = report_row(admin, client_id)
        if check(row):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"report of {client_id} never matched: {row}")
        time.sleep(0.1)


def learner_client(system: Any, customer_id: str) -> tuple[str | None, str | None, str | None]:
    """(client_id, reason, email) of the learner in client-directory's own database."""
    with psycopg.connect(system.client_directory.env["TRAINYARD_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT client_id, reason, email FROM learners WHERE customer_id = %s", (customer_id,)
        ).fetchone()
    if row is None:
        return None, None, None
    return (str(row[0]) if row[0] else None), row[1], row[2]


def wait_known(system: Any, customer_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while learner_client(system, customer_id)[2] is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"learner {customer_id} never arrived")
        time.sleep(0.1)


def test_sub_domains_aliases_and_spoofing(system: Any) -> None:
    domain, tag = unique_domain(), uuid.uuid4().hex[:8]
    with system.admin() as admin, system.public() as public:
        client = admin.post(
            f"{ADMIN}/clients",
            json={
                "name": f"Acme {tag}",
                "industry": "Technology",
                "email_domains": [domain],
                "aliases": [f"Acme {tag}"],
            },
        ).json()
        sub = registered(public, f"ada@mail.{domain}")
        alias = registered(public, f"bob@else-{tag}.example", organization=f"  ACME   {tag} ")
        spoof_local = registered(public, f"{domain}@evil-{tag}.example")
        spoof_suffix = registered(public, f"eve@{domain}.evil-{tag}.example")
        assert wait_for_learner(admin, client["id"], sub)["how"] == "domain"
        assert wait_for_learner(admin, client["id"], alias)["how"] == "alias"
        for spoof in (spoof_local, spoof_suffix):
            wait_known(system, spoof)
            assert learner_client(system, spoof)[0] is None


def test_domain_conflict_deactivation_and_reporting(system: Any) -> None:
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        client = create_client(admin, domain)
        clash = admin.post(
            f"{ADMIN}/clients", json={"name": f"Clash {domain}", "industry": "Retail", "email_domains": [domain]}
        )
        assert clash.status_code == 409
        assert client["name"] in clash.json()["error"]["details"][0]["reason"]

        before = registered(public, f"before@{domain}")
        wait_for_learner(admin, client["id"], before)
        assert admin.patch(f"{ADMIN}/clients/{client['id']}", json={"active": False}).status_code == 200
        picks = admin.get(f"{ADMIN}/clients", params={"search": domain, "active": True}).json()
        assert picks["total"] == 0
        after = registered(public, f"after@{domain}")
        wait_known(system, after)
        assert learner_client(system, after)[0] is None
        row = report_row(admin, client["id"])
        assert (row["learners"], row["active"]) == (1, False)


def test_report_follows_a_reassignment_within_5_seconds(system: Any) -> None:
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        first = create_client(admin, domain)["id"]
        second = admin.post(f"{ADMIN}/clients", json={"name": f"Second {domain}", "industry": "Education"}).json()["id"]
        learner = registered(public, f"ada@{domain}")
        wait_for_learner(admin, first, learner)
        send(
            system,
            TrainingCompleted(
                progress_id=uuid.uuid4(),
                customer_id=uuid.UUID(learner),
                item_type=TrainingItemType.CERTIFICATION,
                item_id=uuid.uuid4(),
                item_name="Certified Survey Designer",
                source=ProgressSource.ADMIN,
                completed_at=datetime.now(UTC),
            ),
        )
        send(
            system,
            OrderCompleted(
                order_id=uuid.uuid4(),
                customer_id=uuid.UUID(learner),
                lines=[
                    OrderLine(
                        product_id=uuid.uuid4(),
                        price_id=uuid.uuid4(),
                        product_name="Data Literacy",
                        quantity=1,
                        unit_amount=Decimal("49.99"),
                        currency="USD",
                    )
                ],
                total=Decimal("49.99"),
                currency="USD",
                source=OrderSource.CHECKOUT,
                idempotency_key=f"checkout:{uuid.uuid4()}",
                completed_at=datetime.now(UTC),
            ),
        )
        wait_report(admin, first, lambda r: r["orders"] == 1 and r["progress"]["certification"]["completed"] == 1)

        past = admin.post(
            f"{ADMIN}/classes", json={"name": f"Past {domain}", "starts_on": "2024-01-08", "ends_on": "2024-01-09"}
        )
        class_id = past.json()["id"]
        assert (
            admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": [learner]}).status_code == 200
        )
        started = time.monotonic()
        moved = admin.post(
            f"{ADMIN}/classes/{class_id}/client-assignments", json={"customer_ids": [learner], "client_id": second}
        )
        assert moved.status_code == 200, moved.text
        row = wait_report(
            admin, second, lambda r: r["orders"] == 1 and r["progress"]["certification"]["completed"] == 1, timeout=5
        )
        assert time.monotonic() - started < 5
        assert Decimal(row["revenue"]["USD"]) == Decimal("49.99")
        assert report_row(admin, first)["orders"] == 0


def test_class_default_and_bulk_removal(system: Any) -> None:
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        create_client(admin, domain)
        default = admin.post(f"{ADMIN}/clients", json={"name": f"Default {domain}", "industry": "Education"}).json()[
            "id"
        ]
        students = [registered(public, f"s{i}@{domain}") for i in range(3)]
        for student in students:
            wait_known(system, student)
        class_id = admin.post(
            f"{ADMIN}/classes",
            json={
                "name": f"C {domain}",
                "starts_on": "2024-02-05",
                "ends_on": "2024-02-06",
                "default_client_id": default,
            },
        ).json()["id"]
        admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": students[:2]})
        admin.patch(f"{ADMIN}/classes/{class_id}", json={"default_client_id": None})
        admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": students[2:]})
        assert [learner_client(system, s)[:2] for s in students[:2]] == [(default, "class")] * 2
        assert learner_client(system, students[2])[1] == "domain"  # the default was gone by then

        removed = admin.post(f"{ADMIN}/classes/{class_id}/client-removals", json={"customer_ids": students})
        assert removed.status_code == 200, removed.text
        assert all(learner_client(system, s)[0] is None for s in students)


def test_manual_assignment_survives_an_email_change_and_erasure_drops_the_email(system: Any) -> None:
    domain, other = unique_domain(), unique_domain()
    with system.admin() as admin, system.public() as public:
        create_client(admin, domain)
        create_client(admin, other)
        chosen = admin.post(f"{ADMIN}/clients", json={"name": f"Chosen {domain}", "industry": "Education"}).json()["id"]
        learner = registered(public, f"ada@{domain}")
        wait_known(system, learner)
        class_id = admin.post(
            f"{ADMIN}/classes", json={"name": f"M {domain}", "starts_on": "2024-03-04", "ends_on": "2024-03-05"}
        ).json()["id"]
        admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": [learner]})
        admin.post(
            f"{ADMIN}/classes/{class_id}/client-assignments", json={"customer_ids": [learner], "client_id": chosen}
        )

        # Version 2 (what client-directory reads), sealed with the learner's key from customer-account.
        key = customer_key(system, learner)
        send(system, profile_updated(uuid.UUID(learner), f"ada@{other}", previous_email=f"ada@{domain}", key=key))
        deadline = time.monotonic() + 30
        while learner_client(system, learner)[2] != f"ada@{other}":
            assert time.monotonic() < deadline, "the profile change never arrived"
            time.sleep(0.1)
        assert learner_client(system, learner)[:2] == (chosen, "manual")

        send(system, CustomerErased(customer_id=uuid.UUID(learner), erased_at=datetime.now(UTC)))
        deadline = time.monotonic() + 30
        while learner_client(system, learner)[2] is not None:
            assert time.monotonic() < deadline, "the erasure never arrived"
            time.sleep(0.1)
        assert learner_client(system, learner)[0] == chosen  # the anonymous mapping stays
        listed = admin.get(f"{ADMIN}/clients/{chosen}/learners").json()["items"]
        assert [(i["customer_id"], i["email"]) for i in listed] == [(learner, None)]
