"""Classes, bulk client changes, the real-time report and the customer lifecycle, over real
Kafka and PostgreSQL (the service runs in-process)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from trainyard_common.contracts import (
    CustomerDeleted,
    CustomerErased,
    CustomerErasureCompleted,
    LearnerRemovedFromClient,
    OrderCompleted,
    OrderLine,
    ProgressDeleted,
    ProgressRecorded,
    TrainingCompleted,
)
from trainyard_common.vocabulary import OrderSource, ProgressSource, ProgressStatus, TrainingItemType

pytestmark = pytest.mark.integration


def unique_domain() -> str:
    return f"corp-{uuid.uuid4().hex[:8]}.example"


async def new_class(directory: Any, starts_on: str = "2025-03-03", **extra: Any) -> str:
    body = {"name": f"Class {uuid.uuid4().hex[:6]}", "starts_on": starts_on, "ends_on": starts_on, **extra}
    response = await directory.http.post("/v1/classes", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def mapped_learner(directory: Any, domain: str) -> uuid.UUID:
    learner = await directory.register(f"l{uuid.uuid4().hex[:6]}@{domain}")
    await directory.wait_learner(learner)
    return learner


def progress(customer_id: uuid.UUID, item_type: str, *, completed: bool, progress_id: uuid.UUID | None = None) -> Any:
    now = datetime.now(UTC)
    return ProgressRecorded(
        progress_id=progress_id or uuid.uuid4(),
        customer_id=customer_id,
        item_type=TrainingItemType(item_type),
        item_id=uuid.uuid4(),
        item_name="Survey Design 101",
        source=ProgressSource.LEARNER,
        status=ProgressStatus.COMPLETED if completed else ProgressStatus.IN_PROGRESS,
        completed_at=now if completed else None,
        recorded_at=now,
    )


def completion(recorded: Any) -> TrainingCompleted:
    return TrainingCompleted(
        progress_id=recorded.progress_id,
        customer_id=recorded.customer_id,
        item_type=recorded.item_type,
        item_id=recorded.item_id,
        item_name=recorded.item_name,
        source=recorded.source,
        completed_at=recorded.completed_at,
    )


def order(customer_id: uuid.UUID, total: str, currency: str = "USD") -> OrderCompleted:
    return OrderCompleted(
        order_id=uuid.uuid4(),
        customer_id=customer_id,
        lines=[
            OrderLine(
                product_id=uuid.uuid4(),
                price_id=uuid.uuid4(),
                product_name="Data Literacy",
                quantity=1,
                unit_amount=Decimal(total),
                currency=currency,
            )
        ],
        total=Decimal(total),
        currency=currency,
        source=OrderSource.CHECKOUT,
        idempotency_key=f"checkout:{uuid.uuid4()}",
        completed_at=datetime.now(UTC),
    )


async def row_of(directory: Any, client_id: str, **params: Any) -> dict[str, Any]:
    [row] = (await directory.report(client_id=client_id, **params))["items"]
    return dict(row)


async def wait_row(directory: Any, client_id: str, check: Any, timeout: float = 30, **params: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = await row_of(directory, client_id, **params)
        if check(row):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"report never matched: {row}")
        await asyncio.sleep(0.1)


async def test_class_crud_listing_and_validation(directory: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    client_id = await directory.create_client([])
    early = await new_class(directory, "2024-01-10", name=f"Early {tag}")
    late = await new_class(directory, "2024-06-10", name=f"Late {tag}", default_client_id=client_id)
    listed = (await directory.http.get("/v1/classes", params={"search": tag})).json()
    assert [c["id"] for c in listed["items"]] == [early, late]
    ranged = await directory.http.get("/v1/classes", params={"search": tag, "from": "2024-05-01", "to": "2024-07-01"})
    assert [c["id"] for c in ranged.json()["items"]] == [late]
    got = (await directory.http.get(f"/v1/classes/{late}")).json()
    assert (got["default_client_id"], got["enrollments"]) == (client_id, 0)
    renamed = await directory.http.patch(f"/v1/classes/{late}", json={"name": f"Later {tag}"})
    assert renamed.json()["default_client_id"] == client_id  # untouched when not sent
    cleared = await directory.http.patch(f"/v1/classes/{late}", json={"default_client_id": None})
    assert cleared.json()["default_client_id"] is None

    bad_dates = await directory.http.post(
        "/v1/classes", json={"name": "x", "starts_on": "2024-02-02", "ends_on": "2024-02-01"}
    )
    assert bad_dates.status_code == 422
    assert bad_dates.json()["error"]["details"][0]["field"] == "ends_on"
    await directory.http.patch(f"/v1/clients/{client_id}", json={"active": False})
    inactive = await directory.http.patch(f"/v1/classes/{early}", json={"default_client_id": client_id})
    assert inactive.status_code == 422
    assert inactive.json()["error"]["details"][0]["field"] == "default_client_id"
    assert (await directory.http.get(f"/v1/classes/{uuid.uuid4()}")).status_code == 404
    not_arrived = str(uuid.uuid4())  # its registration has not reached client-directory: enrolled, pending
    pending = await directory.http.post(f"/v1/classes/{early}/enrollments", json={"customer_ids": [not_arrived]})
    assert pending.status_code == 200, pending.text
    assert (pending.json()["enrolled"], pending.json()["pending"]) == ([not_arrived], [not_arrived])
    students = (await directory.http.get(f"/v1/classes/{early}/students")).json()
    assert [(s["customer_id"], s["status"], s["email"]) for s in students["items"]] == [(not_arrived, "pending", None)]
    assert (await directory.http.get(f"/v1/classes/{uuid.uuid4()}/students")).status_code == 404


async def test_class_default_applied_on_enrolment_and_not_retroactively(directory: Any) -> None:
    domain = unique_domain()
    await directory.create_client([domain])
    first_default = await directory.create_client([])
    second_default = await directory.create_client([])
    class_id = await new_class(directory, default_client_id=first_default)
    early, late = await mapped_learner(directory, domain), await mapped_learner(directory, domain)

    enrolled = await directory.http.post(f"/v1/classes/{class_id}/enrollments", json={"customer_ids": [str(early)]})
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["default_client_id"] == first_default
    row = await directory.learner(early)
    assert (str(row["client_id"]), row["reason"]) == (first_default, "class")

    await directory.http.patch(f"/v1/classes/{class_id}", json={"default_client_id": second_default})
    await directory.http.post(f"/v1/classes/{class_id}/enrollments", json={"customer_ids": [str(late), str(early)]})
    assert str((await directory.learner(early))["client_id"]) == first_default  # earlier enrolment untouched
    assert str((await directory.learner(late))["client_id"]) == second_default


async def test_bulk_assign_and_remove_on_a_past_class(directory: Any) -> None:
    domain = unique_domain()
    auto_client = await directory.create_client([domain])
    target = await directory.create_client([])
    past = await new_class(directory, (datetime.now(UTC).date() - timedelta(days=60)).isoformat())
    students = [await mapped_learner(directory, domain) for _ in range(3)]
    outsider = await mapped_learner(directory, domain)
    ids = [str(s) for s in students]
    await directory.http.post(f"/v1/classes/{past}/enrollments", json={"customer_ids": ids})

    not_enrolled = await directory.http.post(
        f"/v1/classes/{past}/client-assignments", json={"customer_ids": [ids[0], str(outsider)], "client_id": target}
    )
    assert not_enrolled.status_code == 422  # nothing half-applied
    assert str((await directory.learner(students[0]))["client_id"]) == auto_client

    assigned = await directory.http.post(
        f"/v1/classes/{past}/client-assignments", json={"customer_ids": ids[:2], "client_id": target}
    )
    assert assigned.status_code == 200, assigned.text
    learners = (await directory.http.get(f"/v1/clients/{target}/learners")).json()
    assert sorted(i["customer_id"] for i in learners["items"]) == sorted(ids[:2])
    assert {i["how"] for i in learners["items"]} == {"manual"}

    removed = await directory.http.post(f"/v1/classes/{past}/client-removals", json={"customer_ids": ids[1:]})
    assert removed.status_code == 200, removed.text
    assert str((await directory.learner(students[0]))["client_id"]) == target
    for student in students[1:]:
        assert (await directory.learner(student))["client_id"] is None
    records = await directory.published(LearnerRemovedFromClient, students[2])
    body = json.loads(records[-1].value)
    assert (body["reason"], body["class_id"], body["client_id"]) == ("manual", past, auto_client)


async def test_report_counts_and_follows_a_reassignment_within_5_seconds(directory: Any) -> None:
    domain = unique_domain()
    first = await directory.create_client([domain], industry="Retail")
    second = await directory.create_client([])
    learner = await mapped_learner(directory, domain)
    class_id = await new_class(directory, "2025-03-03")
    await directory.http.post(f"/v1/classes/{class_id}/enrollments", json={"customer_ids": [str(learner)]})

    started = progress(learner, "module", completed=False)
    done = progress(learner, "course", completed=True)
    await directory.send(started)
    await directory.send(done)
    await directory.send(completion(done))  # once more as TrainingCompleted: still one completion
    await directory.send(progress(learner, "certification", completed=True))
    await directory.send(order(learner, "49.99"))
    await directory.send(order(learner, "10.01"))

    def complete(row: dict[str, Any]) -> bool:
        return row["orders"] == 2 and row["progress"]["certification"]["completed"] == 1

    row = await wait_row(directory, first, complete)
    assert (row["learners"], row["enrollments"], row["industry"]) == (1, 1, "Retail")
    assert row["progress"] == {
        "module": {"in_progress": 1, "completed": 0},
        "course": {"in_progress": 0, "completed": 1},
        "certification": {"in_progress": 0, "completed": 1},
    }
    assert Decimal(row["revenue"]["USD"]) == Decimal("60.00")
    assert (await directory.report(industry="Retail", client_id=first))["total"] == 1
    future = await row_of(directory, first, **{"from": "2999-01-01"})
    assert (future["orders"], future["progress"]["course"]["completed"], future["enrollments"]) == (0, 0, 0)

    # Re-assignment: past figures move to the new client at once (well within 5 s).
    moved_at = time.monotonic()
    await directory.http.post(
        f"/v1/classes/{class_id}/client-assignments", json={"customer_ids": [str(learner)], "client_id": second}
    )
    moved = await wait_row(directory, second, complete, timeout=5)
    assert time.monotonic() - moved_at < 5
    assert moved["learners"] == 1
    assert moved["enrollments"] == 1
    emptied = await row_of(directory, first)
    assert (emptied["learners"], emptied["orders"], emptied["progress"]["course"]["completed"]) == (0, 0, 0)

    # Future figures follow too; deleted progress leaves the figures and a late record cannot revive it.
    await directory.send(
        ProgressDeleted(
            progress_id=done.progress_id,
            customer_id=learner,
            item_type=done.item_type,
            item_id=done.item_id,
            item_name=done.item_name,
            was_completed=True,
            completed_at=done.completed_at,
            deleted_at=datetime.now(UTC),
        )
    )
    await directory.send(order(learner, "5.00", "EUR"))
    after = await wait_row(directory, second, lambda r: r["orders"] == 3 and r["progress"]["course"]["completed"] == 0)
    assert Decimal(after["revenue"]["EUR"]) == Decimal("5.00")
    await directory.send(done)
    await directory.send(order(learner, "1.00", "EUR"))
    final = await wait_row(directory, second, lambda r: r["orders"] == 4)
    assert final["progress"]["course"]["completed"] == 0


async def test_erase_leaves_no_email_and_keeps_the_mapping(directory: Any) -> None:
    domain = unique_domain()
    client_id = await directory.create_client([domain])
    email = f"erase-me-{uuid.uuid4().hex[:6]}@{domain}"
    learner = await directory.register(email, organization=f"Org of {email}")
    await directory.wait_learner(learner, lambda r: r["client_id"] is not None)
    await directory.send(order(learner, "3.00"))

    request_id = await directory.send(CustomerErased(customer_id=learner, erased_at=datetime.now(UTC)))
    row = await directory.wait_learner(learner, lambda r: r["erased_at"] is not None)
    assert (row["email"], row["organization"], str(row["client_id"])) == (None, None, client_id)
    [receipt] = await directory.published(CustomerErasureCompleted, learner)
    body = json.loads(receipt.value)
    assert (body["service"], body["request_kind"], body["request_event_id"]) == (
        "client-directory",
        "erased",
        request_id,
    )

    async with directory.runtime.engine.connect() as conn:
        tables = (
            await conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
        ).scalars()
        for table in list(tables):
            hits = await conn.scalar(
                text(f'SELECT count(*) FROM "{table}" t WHERE lower(t::text) LIKE :needle'),
                {"needle": f"%{email.split('@', maxsplit=1)[0]}%"},
            )
            assert hits == 0, f"{table} still holds the e-mail"
    report = await wait_row(directory, client_id, lambda r: r["orders"] == 1)
    assert report["learners"] == 1  # the anonymous mapping still reports


async def test_delete_removes_the_learner_and_answers(directory: Any) -> None:
    domain = unique_domain()
    client_id = await directory.create_client([domain])
    learner = await mapped_learner(directory, domain)
    await directory.send(progress(learner, "module", completed=True))
    await wait_row(directory, client_id, lambda r: r["progress"]["module"]["completed"] == 1)

    request_id = await directory.send(CustomerDeleted(customer_id=learner, deleted_at=datetime.now(UTC)))
    [receipt] = await directory.published(CustomerErasureCompleted, learner)
    assert json.loads(receipt.value)["request_event_id"] == request_id
    assert await directory.learner(learner) is None
    [removed] = await directory.published(LearnerRemovedFromClient, learner)
    assert json.loads(removed.value)["reason"] == "customer_erased"
    row = await row_of(directory, client_id)
    assert (row["learners"], row["progress"]["module"]["completed"]) == (0, 0)


async def test_redelivered_and_repeated_facts_count_once(directory: Any) -> None:
    domain = unique_domain()
    client_id = await directory.create_client([domain])
    learner = await mapped_learner(directory, domain)
    bought = order(learner, "20.00")
    event_id = await directory.send(bought)
    await directory.send(bought, event_id=event_id)  # the same message delivered twice
    await directory.send(bought)  # the same order in a new message
    done = progress(learner, "course", completed=True)
    await directory.send(done)
    await directory.send(completion(done))
    await directory.send(order(learner, "1.00"))  # a marker: everything before it was handled
    await wait_row(directory, client_id, lambda r: r["orders"] == 2 and r["progress"]["course"]["completed"] == 1)
    await asyncio.sleep(0.5)  # any double count would have landed by now
    row = await row_of(directory, client_id)
    assert row["orders"] == 2
    assert Decimal(row["revenue"]["USD"]) == Decimal("21.00")
    assert row["progress"]["course"] == {"in_progress": 0, "completed": 1}
