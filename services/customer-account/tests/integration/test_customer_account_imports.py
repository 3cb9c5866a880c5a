"""Imports: the template, a CSV mixing good and bad rows, JSON rows, the maximum, welcome e-mail."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from support.customers import ADMIN, Accounts

from trainyard_common.contracts import CustomerImported, UserRegistered

pytestmark = pytest.mark.integration

HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"


async def _group(accounts: Accounts, **extra: object) -> str:
    response = await accounts.http.post("/v1/groups", json={"name": f"Group {uuid.uuid4().hex[:8]}", **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _upload(accounts: Accounts, csv_text: str, **options: str) -> dict[str, object]:
    response = await accounts.http.post(
        "/v1/customer-imports",
        files={"file": ("customers.csv", csv_text.encode(), "text/csv")},
        data=options,
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_template_is_the_seeds_header(accounts: Accounts) -> None:
    response = await accounts.http.get("/v1/customer-imports/template")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.strip() == HEADER


async def test_a_csv_of_good_and_bad_rows_creates_the_good_ones_and_explains_the_bad(accounts: Accounts) -> None:
    group = await _group(accounts)
    tag = uuid.uuid4().hex[:8]
    price, taken = uuid.uuid4(), await accounts.create()
    rows = [
        f"Ada,Lovelace,ada-{tag}@example.com,,{group},{price},49.99",  # 1 good: generated password, group, product
        f"Ada,Lovelace,ada-{tag}@example.com,,,{uuid.uuid4()},10",  # 2 good: a second product for row 1's customer
        f"Alan,Turing,alan-{tag}@example.com,a strong passphrase,,,",  # 3 good: own password, no product
        "Bad,Email,not-an-email,,,,",  # 4 bad e-mail
        f"Unknown,Group,ug-{tag}@example.com,,{uuid.uuid4()},,",  # 5 unknown group
        f"Bad,Price,bp-{tag}@example.com,,,price-42,",  # 6 malformed price id
        f"Neg,Cost,nc-{tag}@example.com,,,{uuid.uuid4()},-5",  # 7 negative cost
        f"Ada,Again,ADA-{tag}@example.com,,,{price},49.99",  # 8 duplicate of row 1
        f"Al,Ready,{taken['email']},,,,",  # 9 registered before the import
        f",Nameless,nn-{tag}@example.com,,,,",  # 10 first name missing
    ]
    result = await _upload(
        accounts,
        "\n".join([HEADER, *rows]) + "\n",
        send_welcome_email="true",
        email_subject=f"Welcome aboard {tag}",
        additional_text="Your training starts Monday.",
    )
    reasons = {e["row"]: e["reason"] for e in result["errors"]}  # type: ignore[attr-defined]
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10}
    assert "not a valid e-mail" in reasons[4]
    assert "unknown group" in reasons[5]
    assert "unknown price id" in reasons[6]
    assert "negative cost" in reasons[7]
    assert "duplicate in file" in reasons[8]
    assert "already registered" in reasons[9]
    assert "First Name is missing" in reasons[10]
    assert (result["created"], result["imported_rows"]) == (2, 3)

    ada = (await accounts.http.get("/v1/customers", params={"search": f"ada-{tag}"})).json()["items"]
    assert [c["email"] for c in ada] == [f"ada-{tag}@example.com"]
    assert ada[0]["groups"][0]["id"] == group
    assert ada[0]["password_change_required"], "a generated password must be changed at first sign-in"
    bad = await accounts.rows("SELECT count(*) AS n FROM customers WHERE email LIKE :p", p=f"%{tag}%")
    assert bad[0]["n"] == 2, "nothing of the bad rows was created"

    imported = await accounts.published(CustomerImported, ada[0]["id"], at_least=2)
    payloads = sorted((json.loads(r.value) for r in imported), key=lambda p: p["row_number"])
    assert (payloads[0]["row_number"], payloads[0]["price_id"], payloads[0]["cost"]) == (1, str(price), "49.99")
    assert payloads[1]["row_number"] == 2
    assert all(p["import_id"] == result["import_id"] for p in payloads)
    registered = await accounts.published(UserRegistered, ada[0]["id"])
    assert json.loads(registered[0].value)["source"] == "import"

    welcome = await asyncio.to_thread(accounts.mailbox.wait_for, f"ada-{tag}@example.com")
    assert welcome[0].subject == f"Welcome aboard {tag}"
    assert "Your training starts Monday." in welcome[0].body
    token = welcome[0].body.split("/password-setup#token=")[1].split()[0]  # a link, never a password
    chosen = {"token": token, "password": "a long and fresh passphrase"}
    assert (await accounts.http.post("/v1/password-setup", json=chosen)).status_code == 204
    signed_in = await accounts.sign_in(f"ada-{tag}@example.com", chosen["password"])
    assert signed_in.status_code == 201, "the password chosen with the link works"
    stored = await accounts.rows("SELECT password_hash FROM customers WHERE id = :id", id=ada[0]["id"])
    assert stored[0]["password_hash"].startswith("$argon2id$")
    assert len(await asyncio.to_thread(accounts.mailbox.wait_for, f"alan-{tag}@example.com")) == 1


async def test_json_rows_are_checked_the_same_way(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    body = {
        "rows": [
            {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": f"grace-{tag}@example.com",
                "password": "cobol rules ok",
            },
            {"first_name": "Grace", "last_name": "Hopper", "email": f"grace2-{tag}@example", "cost": "3"},
        ],
        "require_password_change": True,
    }
    response = await accounts.http.post("/v1/customer-imports", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1
    assert [e["row"] for e in result["errors"]] == [2]
    grace = (await accounts.http.get("/v1/customers", params={"search": f"grace-{tag}"})).json()["items"][0]
    assert grace["password_change_required"]
    hashed = await accounts.rows("SELECT password_hash FROM customers WHERE id = :id", id=grace["id"])
    assert hashed[0]["password_hash"].startswith("$argon2id$"), "chosen passwords are argon2id from the start"


async def test_more_rows_than_the_maximum_is_a_413_and_nothing_is_written(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    rows = [f"R,{i},r{i}-{tag}@example.com,,,," for i in range(51)]  # the test service allows 50
    response = await accounts.http.post(
        "/v1/customer-imports",
        files={"file": ("big.csv", ("\n".join([HEADER, *rows]) + "\n").encode(), "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "too_many_rows"
    found = await accounts.rows("SELECT count(*) AS n FROM customers WHERE email LIKE :p", p=f"%{tag}%")
    assert found[0]["n"] == 0


async def test_a_file_without_the_templates_columns_is_refused(accounts: Accounts) -> None:
    response = await accounts.http.post(
        "/v1/customer-imports",
        files={"file": ("x.csv", b"Name,Mail\nA,a@example.com\n", "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "bad_header"
