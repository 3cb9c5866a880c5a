"""Roll-up and the deletion rules, over real Kafka and PostgreSQL (the service runs in-process)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from trainyard_common.contracts import ProgressDeleted, TrainingCompleted

pytestmark = pytest.mark.integration


async def delete(training: Any, *ids: str) -> None:
    response = await training.http.post("/v1/training-progress/deletions", json={"ids": list(ids)})
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] == len(ids)


async def test_roll_up_from_modules_to_course_and_certification(training: Any) -> None:
    customer, _ = await training.register()
    m1, m2, optional = await training.module(), await training.module(), await training.module()
    course = str(
        (
            await training.create(
                "/v1/courses",
                modules=[{"module_id": m1}, {"module_id": m2}, {"module_id": optional, "required": False}],
            )
        )["id"]
    )
    other_module = await training.module()
    other_course = await training.course([other_module])
    cert = await training.certification([course, other_course])

    await training.learner(customer, "module", m1, "started")
    assert (await training.entry(customer, course))["status"] == "in_progress"  # type: ignore[index]
    assert (await training.entry(customer, cert))["status"] == "in_progress"  # type: ignore[index]
    await training.learner(customer, "module", m1, "completed", score="90")
    await training.learner(customer, "module", m2, "completed")
    rolled = await training.entry(customer, course)
    assert rolled["status"] == "completed"  # the optional module is not needed
    assert rolled["score"] is None  # no score on a course as a whole
    assert (await training.entry(customer, cert))["status"] == "in_progress"  # one course still open

    await training.learner(customer, "module", other_module, "completed")
    assert (await training.entry(customer, cert))["status"] == "completed"
    records = await training.published(TrainingCompleted, customer, at_least=6)
    completed = {json.loads(r.value)["item_id"] for r in records}
    assert {course, other_course, cert} <= completed


async def test_deleting_a_module_shared_by_two_courses_removes_it_from_both(training: Any) -> None:
    customer, _ = await training.register()
    shared, a_only, b_only = await training.module(), await training.module(), await training.module()
    course_a, course_b = await training.course([shared, a_only]), await training.course([shared, b_only])
    await training.learner(customer, "module", shared, "completed")
    for course in (course_a, course_b):
        assert (await training.entry(customer, course))["required_modules_completed"] == 1  # type: ignore[index]

    await delete(training, (await training.entry(customer, shared))["id"])  # type: ignore[index]

    assert await training.entry(customer, shared) is None
    for course in (course_a, course_b):
        row = await training.entry(customer, course)
        assert (row["status"], row["required_modules_completed"]) == ("in_progress", 0)  # type: ignore[index]
    # Without the shared module, completing the others no longer completes either course.
    await training.learner(customer, "module", a_only, "completed")
    await training.learner(customer, "module", b_only, "completed")
    assert (await training.entry(customer, course_a))["status"] == "in_progress"  # type: ignore[index]
    assert (await training.entry(customer, course_b))["status"] == "in_progress"  # type: ignore[index]
    [deleted] = await training.published(ProgressDeleted, customer)
    assert json.loads(deleted.value)["item_id"] == shared


async def test_a_completed_course_keeps_its_completion_when_a_module_is_deleted(training: Any) -> None:
    customer, _ = await training.register()
    m1, m2 = await training.module(), await training.module()
    course = await training.course([m1, m2])
    for module in (m1, m2):
        await training.learner(customer, "module", module, "completed")
    completed_at = (await training.entry(customer, course))["completed_at"]  # type: ignore[index]

    await delete(training, (await training.entry(customer, m1))["id"])  # type: ignore[index]

    row = await training.entry(customer, course)
    assert (row["status"], row["completed_at"]) == ("completed", completed_at)  # type: ignore[index]
    assert row["required_modules_completed"] == 1  # type: ignore[index]
    assert await training.entry(customer, m1) is None


async def test_deleting_a_course_keeps_its_modules_progress(training: Any) -> None:
    customer, _ = await training.register()
    m1, m2 = await training.module(), await training.module()
    course = await training.course([m1, m2])
    for module in (m1, m2):
        await training.learner(customer, "module", module, "completed", score="75")
    course_entry = await training.entry(customer, course)

    await delete(training, course_entry["id"])  # type: ignore[index]

    assert await training.entry(customer, course) is None
    for module in (m1, m2):
        row = await training.entry(customer, module)
        assert (row["status"], row["score"]) == ("completed", "75")  # type: ignore[index]
    [deleted] = await training.published(ProgressDeleted, customer)
    body = json.loads(deleted.value)
    assert (body["item_id"], body["was_completed"]) == (course, True)


async def test_deleting_with_an_unknown_id_deletes_nothing(training: Any) -> None:
    customer, _ = await training.register()
    module = await training.module()
    await training.learner(customer, "module", module, "completed")
    entry = await training.entry(customer, module)
    response = await training.http.post(
        "/v1/training-progress/deletions",
        json={"ids": [entry["id"], str(uuid.uuid4())]},  # type: ignore[index]
    )
    assert response.status_code == 404
    assert response.json()["error"]["details"][0]["field"] == "ids"
    assert await training.entry(customer, module) is not None
