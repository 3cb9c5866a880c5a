"""training-progress through the gateway, with every service running as a process: the catalogue,
a streamed import (analysis, downloads, commit once), manual completion with the partner filter and
summary, the transcript, quiz completions and the learner API."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from support.customers import eventually
from support.flows import create_client, register, unique_domain, wait_for_learner
from support.training import ADMIN, create_item, entry_of, progress_entries, upload_import, wait_import, wait_known

pytestmark = pytest.mark.e2e


@pytest.fixture
def learner(system: Any) -> dict[str, str]:
    """A registered learner mapped to a partner (client)."""
    domain = unique_domain()
    with system.admin() as admin, system.public() as public:
        client = create_client(admin, domain)
        response = register(public, f"ada-{uuid.uuid4().hex[:6]}@{domain}")
        assert response.status_code == 201, response.text
        customer = response.json()
        wait_for_learner(admin, client["id"], customer["id"])
    return {"id": customer["id"], "email": customer["email"], "client_id": client["id"]}


def test_import_through_the_gateway_commits_once_and_feeds_the_partner_views(
    system: Any, learner: dict[str, str]
) -> None:
    with system.admin() as admin:
        module = create_item(admin, "/modules")
        course = create_item(admin, "/courses", module_ids=[module["id"]])
        certification = create_item(admin, "/certifications", course_ids=[course["id"]])
        wait_known(admin, learner["id"], create_item(admin, "/courses")["id"])
        template = admin.get(f"{ADMIN}/progress-imports/template")
        assert template.text.splitlines()[0] == "Email,Training Type,Name,Date (yyyy-mm-dd)"

        text = (
            "Email,Training Type,Name,Date (yyyy-mm-dd)\n"
            f"{learner['email']},module,{module['name']},2025-03-24\n"
            f"{learner['email']},course,{course['name']},2025-03-99\n"
        )
        analysis = upload_import(admin, text)
        assert analysis.status_code in (201, 202), analysis.text
        state = wait_import(admin, analysis.json()["id"], {"analysed"})
        assert (state["new"], state["already_completed"], state["errors"]) == (1, 0, 1)
        errors_csv = admin.get(f"{ADMIN}/progress-imports/{state['id']}/rows/errors.csv").text
        errors = list(csv.reader(io.StringIO(errors_csv)))
        assert errors[1][4].startswith("Row 3: Bad date")

        committed = admin.post(f"{ADMIN}/progress-imports/{state['id']}/commit")
        assert committed.status_code in (200, 202), committed.text
        assert wait_import(admin, state["id"], {"committed"})["imported"] == 1
        assert admin.post(f"{ADMIN}/progress-imports/{state['id']}/commit").status_code == 409

        cert_entry = entry_of(admin, "certification", learner["id"], certification["id"])
        assert cert_entry is not None
        assert cert_entry["status"] == "completed"  # module → course → certification
        by_partner = progress_entries(admin, "course", partner_id=learner["client_id"], progress="completed")
        assert {e["item_id"] for e in by_partner} >= {course["id"]}
        summary = admin.get(f"{ADMIN}/partners/{learner['client_id']}/training-summary").json()
        assert summary["top_certifications"][0]["certification_id"] == certification["id"]
        assert certification["id"] in {a["item_id"] for a in summary["recent_activity"]}

        transcript = admin.get(f"{ADMIN}/customers/{learner['id']}/transcript")
        assert transcript.status_code == 200, transcript.text
        assert {i["item_id"] for i in transcript.json()["items"]} >= {module["id"], course["id"]}


def test_quiz_completion_and_learner_activity_through_the_gateway(system: Any, learner: dict[str, str]) -> None:
    with system.admin() as admin:
        quiz = create_item(
            admin,
            "/modules",
            kind="quiz",
            quiz={
                "questions": [{"text": "1 + 1?", "choices": ["1", "2"], "correct": [1]}],
                "pass_mark": "100",
                "attempt_limit": 1,
            },
        )
        future = {
            "training_type": "module",
            "item_id": quiz["id"],
            "customer_id": learner["id"],
            "completed_on": "2999-01-01",
        }
        refused = admin.post(f"{ADMIN}/training-progress", json=future)
        assert refused.status_code == 422
        body = {"quiz_id": quiz["id"], "status": "passed", "submitted_at": "2025-02-01T10:00:00Z", "score": "100"}
        added = admin.post(f"{ADMIN}/customers/{learner['id']}/quiz-completions", json=body)
        assert added.status_code == 201, added.text
        submissions = admin.get(f"{ADMIN}/customers/{learner['id']}/quiz-submissions").json()
        assert submissions["items"][0]["responses"][0]["chosen"] == [1]
        assert admin.delete(f"{ADMIN}/quiz-submissions/{submissions['items'][0]['id']}").status_code == 204
        module = create_item(admin, "/modules")
        # A learner's own activity needs live access to the module (issue 15, item 7): a product opening
        # a course of both modules, assigned to the learner.
        course = create_item(admin, "/courses", module_ids=[quiz["id"], module["id"]])
        product = admin.post(
            f"{ADMIN}/products",
            json={
                "name": f"Product {uuid.uuid4().hex[:6]}",
                "training_item": {"type": "course", "id": course["id"]},
                "prices": [{"amount": "10.00", "currency": "USD"}],
            },
        )
        assert product.status_code == 201, product.text
        price_id = product.json()["prices"][0]["price_id"]
        assigned = admin.post(f"{ADMIN}/customers/{learner['id']}/product-assignments", json={"price_id": price_id})
        assert assigned.status_code == 201, assigned.text

    with system.public() as public:
        assert public.post("/api/v1/learner/progress", json={}).status_code == 401
        signed_in = public.post(
            "/api/v1/learner/sessions", json={"email": learner["email"], "password": "correct horse battery"}
        )
        assert signed_in.status_code == 201, signed_in.text
        token = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        answers = {"answers": {quiz["quiz"]["questions"][0]["id"]: [1]}}
        started = {"item_type": "module", "item_id": module["id"], "status": "started"}
        opened = eventually(  # once training-progress has learnt of the access
            lambda: public.post("/api/v1/learner/progress", headers=token, json=started).status_code == 200
        )
        assert opened, "training-progress never learnt of the learner's access"
        taken = public.post(f"/api/v1/learner/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        assert taken.status_code == 201, taken.text  # the removed submission freed the one attempt
        again = public.post(f"/api/v1/learner/quizzes/{quiz['id']}/submissions", json=answers, headers=token)
        assert again.status_code == 409
        started = public.post(
            "/api/v1/learner/progress",
            headers=token,
            json={"item_type": "module", "item_id": module["id"], "status": "started"},
        )
        assert started.status_code == 200, started.text
    with system.admin() as admin:
        assert entry_of(admin, "module", learner["id"], module["id"])["status"] == "in_progress"  # type: ignore[index]
