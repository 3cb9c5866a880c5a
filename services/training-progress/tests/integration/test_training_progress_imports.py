"""The two-step progress import: every error kind row by row, re-upload of the fixed error file,
double commit refused; plus manual completion (no future dates)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from trainyard_common.contracts import TrainingCompleted

pytestmark = pytest.mark.integration

HEADER = "email,TRAINING TYPE,name,Date (YYYY-MM-DD)"


async def upload(training: Any, text: str, name: str = "progress.csv") -> Any:
    files = {"file": (name, text.encode(), "text/csv")}
    return await training.http.post("/v1/progress-imports", files=files)


async def rows_of(training: Any, import_id: str, row_set: str) -> list[list[str]]:
    response = await training.http.get(f"/v1/progress-imports/{import_id}/rows/{row_set}.csv")
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


async def test_import_sorts_every_error_kind_and_the_fixed_error_file_imports(training: Any) -> None:
    ada_id, ada = await training.register()
    grace_id, grace = await training.register(first_name="Grace")
    module_name, course_name = f"Module {uuid.uuid4().hex[:6]}", f"Course {uuid.uuid4().hex[:6]}"
    module = await training.module(name=module_name)
    course = await training.course([module, await training.module()], name=course_name)
    await training.learner(grace_id, "module", module, "completed")  # Grace completed it already
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    unknown = f"nobody-{uuid.uuid4().hex[:6]}@example.com"
    lines = [
        HEADER,
        f"{ada.upper()},Module,{module_name.lower()},2025-03-24",  # row 2: new (case-insensitive)
        f"{grace},module,{module_name},2025-03-24",  # row 3: already completed
        f"{unknown},module,{module_name},2025-03-24",  # row 4: unknown email
        f"{ada},lesson,{module_name},2025-03-24",  # row 5: unknown training type
        f"{ada},course,No Such Course,2025-03-24",  # row 6: no item of that name
        f"{ada},course,{course_name},24/03/2025",  # row 7: bad date format
        f"{ada},course,{course_name},{tomorrow}",  # row 8: date in the future
        f"{ada},module,{module_name},2025-03-25",  # row 9: duplicate of row 2
        ",,,",  # row 10: blank, skipped
        f",module,{module_name},2025-03-24",  # row 11: no email
    ]
    response = await upload(training, "\n".join(lines) + "\n")
    assert response.status_code == 201, response.text
    analysis = response.json()
    assert (analysis["new"], analysis["already_completed"], analysis["errors"]) == (1, 1, 7)
    import_id = analysis["id"]

    assert await rows_of(training, import_id, "new") == [
        ["Email", "Training Type", "Name", "Date (yyyy-mm-dd)"],
        [ada.upper(), "Module", module_name.lower(), "2025-03-24"],
    ]
    assert [r[0] for r in (await rows_of(training, import_id, "already-completed"))[1:]] == [grace]
    errors = await rows_of(training, import_id, "errors")
    assert errors[0] == ["Email", "Training Type", "Name", "Date (yyyy-mm-dd)", "Error"]
    reasons = {int(r[4].split(":")[0].removeprefix("Row ")): r[4] for r in errors[1:]}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 11]
    assert "Unknown email" in reasons[4]
    assert "Unknown training type 'lesson'" in reasons[5]
    assert "No course named 'No Such Course'" in reasons[6]
    assert "Bad date format '24/03/2025'" in reasons[7]
    assert "in the future" in reasons[8]
    assert "Duplicate of row 2" in reasons[9]
    assert "email is missing" in reasons[11]

    committed = await training.http.post(f"/v1/progress-imports/{import_id}/commit")
    assert committed.status_code == 200, committed.text
    assert committed.json()["imported"] == 1
    again = await training.http.post(f"/v1/progress-imports/{import_id}/commit")
    assert again.status_code == 409
    ada_module = await training.entry(ada_id, module)
    assert (ada_module["status"], ada_module["source"]) == ("completed", "import")  # type: ignore[index]
    assert ada_module["completed_at"].startswith("2025-03-24T00:00:00")  # type: ignore[index]
    assert (await training.entry(ada_id, course))["status"] == "in_progress"  # type: ignore[index]  # rolled up

    # Fix the error file: drop the reason column, correct each row, upload it as a new import.
    fixed = [errors[0][:4]]
    for email, kind, name, _, _ in errors[1:]:
        fixed.append(
            [
                grace if email in (unknown, "") else email,
                "module" if kind == "lesson" else kind,
                course_name if name == "No Such Course" else name,
                "2025-03-20",
            ]
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(fixed)
    second = (await upload(training, buffer.getvalue(), "errors-fixed.csv")).json()
    # grace/module and ada/module were completed; ada/course is new; the rest repeat earlier rows.
    assert (second["new"], second["already_completed"], second["errors"]) == (1, 2, 4), second
    done = await training.http.post(f"/v1/progress-imports/{second['id']}/commit")
    assert done.json()["imported"] == 1
    assert (await training.entry(ada_id, course))["status"] == "completed"  # type: ignore[index]
    records = await training.published(TrainingCompleted, ada_id, at_least=2)
    assert course in {json.loads(r.value)["item_id"] for r in records}


async def test_a_bad_header_is_refused_and_the_template_matches(training: Any) -> None:
    response = await upload(training, "mail,type,name\nx,y,z\n")
    assert response.status_code == 422
    assert "Training Type" not in response.json()["error"]["message"].split("lacks:")[0]
    template = await training.http.get("/v1/progress-imports/template")
    assert template.text.splitlines()[0] == "Email,Training Type,Name,Date (yyyy-mm-dd)"
    unknown = await training.http.post(f"/v1/progress-imports/{uuid.uuid4()}/commit")
    assert unknown.status_code == 404


async def test_manual_completion_refuses_a_future_date(training: Any) -> None:
    customer, _ = await training.register()
    course = await training.course([])
    body = {"training_type": "course", "item_id": course, "customer_id": str(customer)}
    future = (date.today() + timedelta(days=2)).isoformat()
    refused = await training.http.post("/v1/training-progress", json={**body, "completed_on": future})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "completed_on"
    assert await training.entry(customer, course) is None
    wrong_type = await training.http.post(
        "/v1/training-progress", json={**body, "training_type": "module", "completed_on": "2025-01-02"}
    )
    assert wrong_type.status_code == 404
    done = await training.http.post("/v1/training-progress", json={**body, "completed_on": "2025-01-02"})
    assert done.status_code == 201, done.text
    row = await training.entry(customer, course)
    assert (row["status"], row["source"], row["completed_at"][:10]) == ("completed", "admin", "2025-01-02")  # type: ignore[index]
    twice = await training.http.post("/v1/training-progress", json={**body, "completed_on": "2025-01-03"})
    assert twice.status_code == 409
