"""Issue 15 over HTTP: no password oracle while locked (2), one address does not block everyone
behind it (3), one password policy and sessions ending at a password change (5), a bound on
concurrent hashes (6)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from support.customers import ADMIN, PASSWORD, Accounts

from customer_account.adapters.passwords import current_hashing_gate, use_hashing_gate
from trainyard_common.passwords import HashingGate

pytestmark = pytest.mark.integration

COMMON = "1qaz2wsx3edc"  # 12 characters, on the shipped common-passwords list


def _email() -> str:
    return f"abuse-{uuid.uuid4().hex[:10]}@example.com"


def _weak(response: object, field: str) -> None:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "weak_password"
    assert [d["field"] for d in error["details"]] == [field]


async def _introspects(accounts: Accounts, token: str) -> bool:
    return (await accounts.http.post("/v1/sessions/introspect", json={"token": token})).status_code == 200


async def test_a_locked_account_gives_the_right_and_a_wrong_password_the_same_answer(accounts: Accounts) -> None:
    customer = await accounts.create()
    for _ in range(5):
        assert (await accounts.sign_in(customer["email"], "guess")).status_code == 401
    right = await accounts.sign_in(customer["email"])
    wrong = await accounts.sign_in(customer["email"], "another guess")
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 403
    assert right.json()["error"]["code"] == "account_locked"


async def test_a_burst_of_failures_for_other_accounts_from_an_address_does_not_stop_a_user_there(
    accounts: Accounts,
) -> None:
    x, y, z = [await accounts.create(_email()) for _ in range(3)]
    address = f"198.51.100.{uuid.uuid4().int % 250}"
    for victim in (x, y):
        answers = [(await accounts.sign_in(victim["email"], "guess", ip=address)).status_code for _ in range(4)]
        assert answers[-1] == 429, "that account from that address is slowed down"
    signed_in = await accounts.sign_in(z["email"], PASSWORD, ip=address)
    assert signed_in.status_code == 201, signed_in.text


async def test_registration_refuses_a_common_password(accounts: Accounts) -> None:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": _email(), "password": COMMON}
    _weak(await accounts.http.post("/v1/registrations", json=body), "password")


async def test_an_admin_cannot_create_a_customer_with_a_short_password(accounts: Accounts) -> None:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": _email(), "password": "nine char"}
    _weak(await accounts.http.post("/v1/customers", json=body, headers=ADMIN), "password")
    found = (await accounts.http.get("/v1/customers", params={"search": body["email"]})).json()
    assert found["total"] == 0, "nothing half-applied"


async def test_an_admins_reset_follows_the_policy_and_ends_every_session(accounts: Accounts) -> None:
    customer = await accounts.create()
    token = (await accounts.sign_in(customer["email"])).json()["access_token"]
    path = f"/v1/customers/{customer['id']}/password"
    _weak(await accounts.http.put(path, json={"password": COMMON}, headers=ADMIN), "password")
    assert await _introspects(accounts, token), "a refused reset changes nothing"
    assert (await accounts.sign_in(customer["email"])).status_code == 201

    reset = await accounts.http.put(path, json={"password": "an admin's new passphrase"}, headers=ADMIN)
    assert reset.status_code == 200, reset.text
    assert not await _introspects(accounts, token)


async def test_the_learners_own_change_follows_the_policy_and_keeps_only_this_session(accounts: Accounts) -> None:
    customer = await accounts.create()
    here = (await accounts.sign_in(customer["email"])).json()["access_token"]
    elsewhere = (await accounts.sign_in(customer["email"])).json()["access_token"]
    path = f"/v1/learners/{customer['id']}/password"
    this_session = {"X-Learner-Session": hashlib.sha256(here.encode()).hexdigest()}

    weak = {"current_password": PASSWORD, "new_password": COMMON}
    _weak(await accounts.http.put(path, json=weak, headers=this_session), "new_password")
    assert await _introspects(accounts, elsewhere)

    change = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    assert (await accounts.http.put(path, json=change, headers=this_session)).status_code == 204
    assert await _introspects(accounts, here), "the session the change was made in stays"
    assert not await _introspects(accounts, elsewhere), "every other session ends"


async def test_an_import_row_with_a_common_password_is_refused_with_a_reason(accounts: Accounts) -> None:
    tag = uuid.uuid4().hex[:8]
    rows = [
        {"first_name": "Grace", "last_name": "Hopper", "email": f"grace-{tag}@example.com", "password": COMMON},
        {
            "first_name": "Alan",
            "last_name": "Turing",
            "email": f"alan-{tag}@example.com",
            "password": "enigma rules ok",
        },
    ]
    response = await accounts.http.post("/v1/customer-imports", json={"rows": rows}, headers=ADMIN)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1
    [error] = result["errors"]
    assert (error["row"], error["field"]) == (1, "password")
    assert "too common" in error["reason"]


async def test_beyond_the_hashing_slots_sign_in_answers_503_with_retry_after(accounts: Accounts) -> None:
    customer = await accounts.create()
    previous = current_hashing_gate()
    gate = HashingGate(1, wait_seconds=0.05, retry_after_seconds=2)
    use_hashing_gate(gate)
    try:
        async with gate.slot():  # every slot taken
            busy = await accounts.sign_in(customer["email"])
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "2"
        assert busy.json()["error"]["code"] == "busy"
        assert (await accounts.sign_in(customer["email"])).status_code == 201, "a free slot: signed in"
    finally:
        use_hashing_gate(previous)
