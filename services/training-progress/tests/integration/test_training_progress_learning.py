"""Quizzes (attempt limit, retake after a removed submission, admin completion), SCORM CMI data,
the transcript with access expiry, and the customer lifecycle."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text

from trainyard_common.contracts import (
    AccessGranted,
    AccessRevoked,
    CustomerDeleted,
    CustomerErased,
    CustomerErasureCompleted,
    TrainingItemRef,
)
from trainyard_common.vocabulary import AccessRevocationReason, TrainingItemType

from .conftest import wait_for

pytestmark = pytest.mark.integration


async def quiz(training: Any, attempt_limit: int | None = 2) -> tuple[str, list[str]]:
    created = await training.create(
        "/v1/modules",
        kind="quiz",
        quiz={
            "questions": [
                {"text": "2 + 2?", "choices": ["3", "4"], "correct": [1]},
                {"text": "Primes?", "choices": ["2", "4", "5"], "correct": [0, 2]},
            ],
            "pass_mark": "100",
            "attempt_limit": attempt_limit,
        },
    )
    return str(created["id"]), [q["id"] for q in created["quiz"]["questions"]]


async def submit(training: Any, customer: uuid.UUID, quiz_id: str, answers: dict[str, list[int]]) -> Any:
    return await training.http.post(f"/v1/learners/{customer}/quizzes/{quiz_id}/submissions", json={"answers": answers})


async def test_a_blank_attempt_shows_the_learner_right_or_wrong_but_never_the_answer_key(training: Any) -> None:
    customer, _ = await training.register()
    quiz_id, (q1, q2) = await quiz(training, attempt_limit=None)
    await training.grant(customer, "module", quiz_id)
    blank = await submit(training, customer, quiz_id, {})
    assert blank.status_code == 201, blank.text
    body = blank.json()
    assert (body["score"], body["passed"]) == ("0.00", False)
    assert [(r["question_id"], r["chosen"], r["is_correct"]) for r in body["responses"]] == [
        (q1, [], False),
        (q2, [], False),
    ]
    assert all("correct" not in r for r in body["responses"])
    assert '"correct"' not in blank.text  # nowhere in the answer
    # The admin's View Responses still shows the key.
    listed = (await training.http.get(f"/v1/customers/{customer}/quiz-submissions")).json()
    assert [r["correct"] for r in listed["items"][0]["responses"]] == [[1], [0, 2]]


async def test_quiz_attempt_limit_and_retake_after_a_submission_is_removed(training: Any) -> None:
    customer, _ = await training.register()
    quiz_id, (q1, q2) = await quiz(training)
    await training.grant(customer, "module", quiz_id)
    first = await submit(training, customer, quiz_id, {q1: [1], q2: [0]})
    assert first.status_code == 201, first.text
    assert (first.json()["score"], first.json()["passed"], first.json()["attempts_left"]) == ("50.00", False, 1)
    assert (await submit(training, customer, quiz_id, {q1: [0]})).status_code == 201
    refused = await submit(training, customer, quiz_id, {q1: [1], q2: [0, 2]})
    assert refused.status_code == 409
    assert (await training.entry(customer, quiz_id))["status"] == "in_progress"  # type: ignore[index]

    listed = (await training.http.get(f"/v1/customers/{customer}/quiz-submissions")).json()
    assert listed["total"] == 2
    assert [r["is_correct"] for r in listed["items"][0]["responses"]] == [True, False]
    removed = await training.http.delete(f"/v1/quiz-submissions/{listed['items'][0]['id']}")
    assert removed.status_code == 204

    retake = await submit(training, customer, quiz_id, {q1: [1], q2: [2, 0]})
    assert retake.status_code == 201, retake.text
    assert (retake.json()["score"], retake.json()["passed"]) == ("100.00", True)
    entry = await training.entry(customer, quiz_id)
    assert (entry["status"], entry["score"]) == ("completed", "100.00")  # type: ignore[index]


async def test_admin_quiz_completion_records_the_correct_answers(training: Any) -> None:
    customer, _ = await training.register()
    quiz_id, _ = await quiz(training, attempt_limit=None)
    body = {"quiz_id": quiz_id, "status": "passed", "submitted_at": "2025-02-01T10:00:00+00:00", "score": "95"}
    added = await training.http.post(f"/v1/customers/{customer}/quiz-completions", json=body)
    assert added.status_code == 201, added.text
    assert all(r["is_correct"] for r in added.json()["responses"])
    entry = await training.entry(customer, quiz_id)
    assert (entry["status"], entry["source"], entry["completed_at"][:10]) == ("completed", "admin", "2025-02-01")  # type: ignore[index]
    future = {**body, "submitted_at": "2999-01-01T00:00:00+00:00"}
    assert (await training.http.post(f"/v1/customers/{customer}/quiz-completions", json=future)).status_code == 422


async def test_scorm_cmi_data_records_progress_and_an_admin_clears_it(training: Any) -> None:
    customer, _ = await training.register()
    scorm = await training.module(kind="scorm")
    await training.grant(customer, "module", scorm)
    cmi = {"cmi": {"core": {"lesson_status": "passed", "score": {"raw": "88"}, "lesson_location": "page-7"}}}
    stored = await training.http.put(f"/v1/learners/{customer}/cmi/{scorm}", json=cmi)
    assert stored.status_code == 204, stored.text
    entry = await training.entry(customer, scorm)
    assert (entry["status"], entry["score"]) == ("completed", "88")  # type: ignore[index]
    not_scorm = await training.http.put(f"/v1/learners/{customer}/cmi/{await training.module()}", json=cmi)
    assert not_scorm.status_code == 404
    export = (await training.http.get(f"/v1/customers/{customer}/export")).json()
    cmi_rows = list(
        csv.DictReader(io.StringIO(next(f for f in export["files"] if f["name"] == "scorm_cmi.csv")["content"]))
    )
    assert json.loads(cmi_rows[0]["data"])["cmi"]["core"]["lesson_location"] == "page-7"
    assert (await training.http.delete(f"/v1/customers/{customer}/cmi/{scorm}")).status_code == 204
    assert (await training.http.delete(f"/v1/customers/{customer}/cmi/{scorm}")).status_code == 404
    assert await training.scalar("SELECT count(*) FROM cmi_data WHERE customer_id = :c", c=customer) == 0


async def test_transcript_lists_access_and_progress_and_admin_edits(training: Any) -> None:
    customer, _ = await training.register()
    m1, m2 = await training.module(), await training.module()
    course = await training.course([m1, m2])
    granted = AccessGranted(
        access_id=uuid.uuid4(),
        customer_id=customer,
        product_id=uuid.uuid4(),
        training_item=TrainingItemRef(type=TrainingItemType.COURSE, id=uuid.UUID(course)),
        order_id=uuid.uuid4(),
        starts_on=date(2025, 1, 1),
        ends_on=date(2030, 12, 31),
        granted_at=datetime.now(UTC),
    )
    await training.send(granted)
    await wait_for(lambda: training.scalar("SELECT count(*) FROM access WHERE customer_id = :c", c=customer))
    page = (await training.http.get(f"/v1/customers/{customer}/transcript")).json()
    [item] = page["items"]
    assert (item["item_id"], item["status"], item["access"], item["access_expires_on"]) == (
        course,
        "not_started",
        "active",
        "2030-12-31",
    )
    assert [m["status"] for m in item["modules"]] == ["not_started", "not_started"]

    edited = await training.http.patch(
        f"/v1/customers/{customer}/transcript/{m1}",
        json={"status": "completed", "completed_at": "2025-05-01T09:30:00+00:00", "score": "70"},
    )
    assert edited.status_code == 200, edited.text
    no_course_score = await training.http.patch(f"/v1/customers/{customer}/transcript/{course}", json={"score": "50"})
    assert no_course_score.status_code == 422
    await training.send(
        AccessRevoked(
            **granted.model_dump(exclude={"granted_at"}),
            reason=AccessRevocationReason.ADMIN,
            revoked_at=datetime.now(UTC),
        )
    )
    await wait_for(
        lambda: training.scalar("SELECT count(*) FROM access WHERE state = 'revoked' AND customer_id = :c", c=customer)
    )
    items = {i["item_id"]: i for i in (await training.http.get(f"/v1/customers/{customer}/transcript")).json()["items"]}
    assert items[course]["access"] == "revoked"
    assert items[course]["status"] == "in_progress"
    assert (items[m1]["status"], items[m1]["score"], items[m1]["completed_at"][:16]) == (
        "completed",
        "70",
        "2025-05-01T09:30",
    )


async def test_many_transcripts_are_read_in_one_call_each_as_its_own_route_answers_it(training: Any) -> None:
    learner, _ = await training.register()
    module = await training.module()
    await training.learner(learner, "module", module, "completed")
    newcomer, unknown = (await training.register())[0], str(uuid.uuid4())
    asked = [newcomer, learner, unknown, learner]

    read = await training.http.get("/v1/transcripts", params=[("customer_id", c) for c in asked])

    assert read.status_code == 200, read.text
    one_by_one = [(await training.http.get(f"/v1/customers/{c}/transcript")).json() for c in asked]
    assert read.json()["items"] == one_by_one
    assert [len(t["items"]) for t in one_by_one] == [0, 1, 0, 1]
    too_many = [("customer_id", str(uuid.uuid4())) for _ in range(101)]
    assert (await training.http.get("/v1/transcripts", params=too_many)).status_code == 422
    assert (await training.http.get("/v1/transcripts")).status_code == 422


async def test_erasure_keeps_anonymous_progress_and_deletion_removes_it(training: Any) -> None:
    erased, erased_email = await training.register()
    deleted, _ = await training.register()
    module = await training.module()
    for customer in (erased, deleted):
        await training.learner(customer, "module", module, "completed")
    await training.send(CustomerErased(customer_id=erased, erased_at=datetime.now(UTC)))
    await training.send(CustomerDeleted(customer_id=deleted, deleted_at=datetime.now(UTC)))
    receipts = await training.published(CustomerErasureCompleted, erased)
    assert json.loads(receipts[0].value)["service"] == "training-progress"
    await training.published(CustomerErasureCompleted, deleted)
    assert await training.scalar("SELECT count(*) FROM customers WHERE email = :e", e=erased_email) == 0
    row = await training.entry(erased, module)
    assert (row["status"], row["user_email"]) == ("completed", None)  # type: ignore[index]
    assert await training.entry(deleted, module) is None


async def test_erasure_leaves_no_quiz_answers_or_typed_cmi_text_in_the_database(training: Any) -> None:
    """After CustomerErased, no row of any table that names the customer holds their quiz answers (keyed
    by question id) or what they typed in a SCORM package; the submission's score stays."""
    customer, email = await training.register()
    quiz_id, (q1, q2) = await quiz(training, attempt_limit=None)
    scorm = await training.module(kind="scorm")
    for module in (quiz_id, scorm):
        await training.grant(customer, "module", module)
    assert (await submit(training, customer, quiz_id, {q1: [1], q2: [0, 2]})).status_code == 201
    typed = f"typed-{uuid.uuid4().hex}"
    cmi = {"cmi": {"core": {"lesson_status": "incomplete"}, "comments": typed}}
    assert (await training.http.put(f"/v1/learners/{customer}/cmi/{scorm}", json=cmi)).status_code == 204
    await training.send(CustomerErased(customer_id=customer, erased_at=datetime.now(UTC)))
    await training.published(CustomerErasureCompleted, customer)
    hits = []
    async with training.runtime.engine.connect() as conn:
        listed = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE'"
        )
        for table in (await conn.execute(text(listed))).scalars().all():
            for row in (await conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))).scalars():
                naming = str(customer) in row
                if typed in row or email in row or (naming and (q1 in row or q2 in row)):
                    hits.append(f"{table}: {row}")
    assert hits == []
    assert await training.scalar("SELECT score FROM quiz_submissions WHERE customer_id = :c", c=customer) == 100
