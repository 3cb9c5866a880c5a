"""Issue 15, item 9, over HTTP: the learner routes read the impersonating admin from the gateway's
signed token (not from any header the caller could set) and record them with the change, in the
data and in the published events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trainyard_common.contracts import ProgressRecorded, TrainingCompleted
from trainyard_common.testing.service_auth import IMPERSONATED_BY_HEADER, LEARNER_HEADER

pytestmark = pytest.mark.integration

ADMIN = "support-admin"


async def test_learner_routes_record_the_admin_the_signed_token_names(training: Any) -> None:
    customer, _ = await training.register()
    module = await training.module()
    scorm = await training.module(kind="scorm")
    quiz = await training.create(
        "/v1/modules",
        kind="quiz",
        quiz={"questions": [{"text": "2 + 2?", "choices": ["3", "4"], "correct": [1]}], "pass_mark": "100"},
    )
    for item in (module, scorm, quiz["id"]):
        await training.grant(customer, "module", item)
    acting = {IMPERSONATED_BY_HEADER: ADMIN, LEARNER_HEADER: str(customer)}

    done = await training.http.post(
        f"/v1/learners/{customer}/progress",
        json={"item_type": "module", "item_id": module, "status": "completed"},
        headers=acting,
    )
    assert done.status_code == 200, done.text
    question = quiz["quiz"]["questions"][0]["id"]
    submitted = await training.http.post(
        f"/v1/learners/{customer}/quizzes/{quiz['id']}/submissions", json={"answers": {question: [1]}}, headers=acting
    )
    assert submitted.status_code == 201, submitted.text
    cmi = await training.http.put(
        f"/v1/learners/{customer}/cmi/{scorm}", json={"cmi.core.lesson_status": "incomplete"}, headers=acting
    )
    assert cmi.status_code == 204, cmi.text

    by = "SELECT impersonated_by FROM {} WHERE customer_id = :c"
    assert await training.scalar(by.format("quiz_submissions"), c=customer) == ADMIN
    assert await training.scalar(by.format("cmi_data"), c=customer) == ADMIN
    progress = "SELECT impersonated_by FROM progress WHERE customer_id = :c AND item_id = :i"
    for item in (module, scorm, quiz["id"]):
        assert await training.scalar(progress, c=customer, i=item) == ADMIN

    recorded = await training.published(ProgressRecorded, customer, at_least=3)
    completed = await training.published(TrainingCompleted, customer, at_least=2)
    assert {json.loads(r.value)["impersonated_by"] for r in recorded + completed} == {ADMIN}

    # The learner's own call (the token names no impersonator) names nobody.
    again = await training.http.put(
        f"/v1/learners/{customer}/cmi/{scorm}",
        json={"cmi.core.lesson_status": "passed"},
        headers={LEARNER_HEADER: str(customer)},
    )
    assert again.status_code == 204, again.text
    assert await training.scalar(by.format("cmi_data"), c=customer) is None
    assert await training.scalar(progress, c=customer, i=scorm) is None
