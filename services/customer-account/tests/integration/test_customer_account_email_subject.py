"""Issue 15, item 13 at the API: an import's e-mail subject with a line break (header injection,
and a message that could never be sent) is refused with a 422 naming the field, and nothing of
the import is applied — by CSV upload and by JSON rows alike."""

from __future__ import annotations

import uuid

import pytest
from support.customers import ADMIN, Accounts

pytestmark = pytest.mark.integration

HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"
INJECTED = ["Hi\r\nBcc: x@y", "Hi\nBcc: x@y", "Hi\rthere", "Tab\tseparated"]


def assert_subject_refused(response: object) -> None:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert [d["field"] for d in error["details"]] == ["email_subject"]
    assert "x@y" not in response.text, "the refused value is not echoed"  # type: ignore[attr-defined]


async def imported(accounts: Accounts, tag: str) -> int:
    found = await accounts.rows("SELECT count(*) AS n FROM customers WHERE email LIKE :p", p=f"%{tag}%")
    return int(found[0]["n"])


@pytest.mark.parametrize("subject", INJECTED)
async def test_a_json_import_with_a_line_break_in_the_subject_is_refused_and_imports_nothing(
    accounts: Accounts, subject: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    body = {
        "rows": [{"first_name": "Ada", "last_name": "Lovelace", "email": f"ada-{tag}@example.com"}],
        "send_welcome_email": True,
        "email_subject": subject,
    }
    assert_subject_refused(await accounts.http.post("/v1/customer-imports", json=body, headers=ADMIN))
    assert await imported(accounts, tag) == 0
    queued = await accounts.rows("SELECT count(*) AS n FROM email_outbox WHERE recipient LIKE :p", p=f"%{tag}%")
    assert queued[0]["n"] == 0


async def test_a_csv_import_with_a_line_break_in_the_subject_is_refused_and_imports_nothing(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    response = await accounts.http.post(
        "/v1/customer-imports",
        files={"file": ("customers.csv", f"{HEADER}\nAda,Lovelace,ada-{tag}@example.com,,,,\n".encode(), "text/csv")},
        data={"send_welcome_email": "true", "email_subject": "Hi\r\nBcc: x@y"},
        headers=ADMIN,
    )
    assert_subject_refused(response)
    assert await imported(accounts, tag) == 0


async def test_a_one_line_subject_is_still_accepted(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    body = {
        "rows": [{"first_name": "Ada", "last_name": "Lovelace", "email": f"ada-{tag}@example.com"}],
        "email_subject": "Welcome to Trainyard — your account (été 2026)",
    }
    response = await accounts.http.post("/v1/customer-imports", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert await imported(accounts, tag) == 1
