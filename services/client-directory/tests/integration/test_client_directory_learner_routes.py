"""The learner's client for the gateway's customer page, and client-directory's export part."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def rows_of(part: dict[str, Any], name: str) -> list[dict[str, str]]:
    (file,) = [f for f in part["files"] if f["name"] == name]
    return list(csv.DictReader(io.StringIO(file["content"])))


async def test_a_mapped_learner_names_the_client_and_how(directory: Any) -> None:
    domain = f"corp-{uuid.uuid4().hex[:8]}.example"
    client_id = await directory.create_client([domain], name=f"Acme {domain}")
    learner = await directory.register(f"ada@{domain}")
    await directory.wait_learner(learner, lambda row: row["client_id"] is not None)
    response = await directory.http.get(f"/v1/learners/{learner}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["client"] == {"id": client_id, "name": f"Acme {domain}"}
    assert body["how"] == "domain"


async def test_an_unknown_learner_has_no_client(directory: Any) -> None:
    response = await directory.http.get(f"/v1/learners/{uuid.uuid4()}")
    assert response.status_code == 200
    assert response.json()["client"] is None


async def test_the_export_part_holds_the_mapping_and_enrolments(directory: Any) -> None:
    domain = f"corp-{uuid.uuid4().hex[:8]}.example"
    await directory.create_client([domain], name=f"Globex {domain}")
    learner = await directory.register(f"grace@{domain}", organization="Globex")
    await directory.wait_learner(learner, lambda row: row["client_id"] is not None)
    created = await directory.http.post(
        "/v1/classes", json={"name": f"Class {domain}", "starts_on": "2025-03-03", "ends_on": "2025-03-04"}
    )
    enrolled = await directory.http.post(
        f"/v1/classes/{created.json()['id']}/enrollments", json={"customer_ids": [str(learner)]}
    )
    assert enrolled.status_code == 200, enrolled.text

    part = (await directory.http.get(f"/v1/customers/{learner}/export")).json()
    (mapping,) = rows_of(part, "client.csv")
    assert (mapping["email"], mapping["organization"], mapping["client"], mapping["how"]) == (
        f"grace@{domain}",
        "Globex",
        f"Globex {domain}",
        "domain",
    )
    (enrolment,) = rows_of(part, "class_enrolments.csv")
    assert (enrolment["class"], enrolment["starts_on"]) == (f"Class {domain}", "2025-03-03")


async def test_an_unknown_customer_exports_empty_files_with_headers(directory: Any) -> None:
    part = (await directory.http.get(f"/v1/customers/{uuid.uuid4()}/export")).json()
    assert [f["name"] for f in part["files"]] == ["client.csv", "class_enrolments.csv"]
    assert all(f["content"].count("\n") == 1 for f in part["files"])


async def test_values_the_database_cannot_hold_are_a_422_not_a_500(directory: Any) -> None:
    """Found by schemathesis: an offset beyond bigint and a NUL character reached PostgreSQL."""
    client_id = await directory.create_client([f"corp-{uuid.uuid4().hex[:8]}.example"])
    huge_offset = await directory.http.get(f"/v1/clients/{client_id}/learners", params={"offset": 10**26})
    nul_filter = await directory.http.get("/v1/reports/clients", params={"industry": "\x00x"})
    for response in (huge_offset, nul_filter):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_value"
