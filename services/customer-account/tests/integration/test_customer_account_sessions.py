"""Sign-in, lockout, the IP slow-down, introspection, sign-out, impersonation, password rules."""

from __future__ import annotations

import hashlib

import pytest
from support.customers import ADMIN, PASSWORD, Accounts

from trainyard_common.contracts import CustomerStatusChanged

pytestmark = pytest.mark.integration


async def test_sign_in_gives_a_token_that_introspects_and_ends_at_sign_out(accounts: Accounts) -> None:
    customer = await accounts.create()
    signed_in = await accounts.sign_in(customer["email"].upper())  # e-mail case does not matter
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()
    assert token["token_type"] == "bearer"
    assert token["customer_id"] == customer["id"]
    assert token["expires_in"] == 3600
    assert not token["password_change_required"]

    seen = await accounts.http.post("/v1/sessions/introspect", json={"token": token["access_token"]})
    assert seen.status_code == 200, seen.text
    assert seen.json()["customer_id"] == customer["id"]
    assert seen.json()["impersonated_by"] is None
    stored = await accounts.rows("SELECT token_hash FROM sessions WHERE customer_id = :id", id=customer["id"])
    assert stored
    assert all(token["access_token"] not in r["token_hash"] for r in stored), "only a hash is stored"

    assert (await accounts.http.post("/v1/sessions/revoke", json={"token": token["access_token"]})).status_code == 204
    gone = await accounts.http.post("/v1/sessions/introspect", json={"token": token["access_token"]})
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "invalid_token"


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(accounts: Accounts) -> None:
    customer = await accounts.create()
    wrong = await accounts.sign_in(customer["email"], "not the password")
    unknown = await accounts.sign_in("nobody-at-all@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    history = (await accounts.http.get(f"/v1/customers/{customer['id']}/login-history")).json()
    assert [(e["success"], e["ip"] is not None) for e in history["items"]] == [(False, True)]


async def test_five_failures_lock_the_account_and_an_admin_unlocks_it(accounts: Accounts) -> None:
    customer = await accounts.create()
    session = (await accounts.sign_in(customer["email"])).json()["access_token"]
    for _ in range(5):
        assert (await accounts.sign_in(customer["email"], "guess")).status_code == 401

    refused = await accounts.sign_in(customer["email"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_locked"
    assert (await accounts.sign_in(customer["email"], "guess")).json() == refused.json(), (
        "locked is said whatever the password"
    )
    ended = await accounts.http.post("/v1/sessions/introspect", json={"token": session})
    assert ended.status_code == 401, "locking ends open sessions"
    activity = (await accounts.http.get(f"/v1/customers/{customer['id']}/activity-log")).json()["items"]
    locked = [a for a in activity if a["type"] == "status_changed"]
    assert locked[-1]["actor"] == "system"
    assert locked[-1]["details"]["to"] == "locked"
    events = await accounts.published(CustomerStatusChanged, customer["id"])
    assert b'"locked"' in events[0].value
    assert b'"system"' in events[0].value

    unlocked = await accounts.http.put(
        f"/v1/customers/{customer['id']}/status", json={"status": "active"}, headers=ADMIN
    )
    assert unlocked.status_code == 200
    assert unlocked.json()["status"] == "active"
    assert (await accounts.sign_in(customer["email"], "guess")).status_code == 401, "old failures no longer count"
    assert (await accounts.sign_in(customer["email"])).status_code == 201


async def test_failures_from_one_ip_are_slowed_down_before_the_lockout(accounts: Accounts) -> None:
    customer = await accounts.create()
    ip = "192.0.2.77"
    answers = [(await accounts.sign_in(customer["email"], "guess", ip=ip)).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    slowed = await accounts.sign_in(customer["email"], PASSWORD, ip=ip)
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert slowed.json()["error"]["code"] == "too_many_attempts"
    details = (await accounts.http.get(f"/v1/customers/{customer['id']}")).json()
    assert details["status"] == "active", "the slow-down kept the account from being locked"


async def test_an_inactive_customer_cannot_sign_in_and_their_sessions_end(accounts: Accounts) -> None:
    customer = await accounts.create()
    session = (await accounts.sign_in(customer["email"])).json()["access_token"]
    changed = await accounts.http.put(
        f"/v1/customers/{customer['id']}/status", json={"status": "inactive"}, headers=ADMIN
    )
    assert changed.status_code == 200
    assert (await accounts.http.post("/v1/sessions/introspect", json={"token": session})).status_code == 401
    refused = await accounts.sign_in(customer["email"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_inactive"


async def test_an_expired_password_lets_the_learner_only_change_it(accounts: Accounts) -> None:
    customer = await accounts.create()
    rules = {"expires_in_days": 30, "require_change": True}
    set_rules = await accounts.http.put(f"/v1/customers/{customer['id']}/password", json=rules, headers=ADMIN)
    assert set_rules.status_code == 200
    assert set_rules.json()["password_expiry_days"] == 30
    signed_in = (await accounts.sign_in(customer["email"])).json()
    assert signed_in["password_change_required"]
    seen = (await accounts.http.post("/v1/sessions/introspect", json={"token": signed_in["access_token"]})).json()
    assert seen["password_change_required"]

    change = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    this_session = {"X-Learner-Session": hashlib.sha256(signed_in["access_token"].encode()).hexdigest()}
    changed = await accounts.http.put(f"/v1/learners/{customer['id']}/password", json=change, headers=this_session)
    assert changed.status_code == 204, changed.text
    seen = (await accounts.http.post("/v1/sessions/introspect", json={"token": signed_in["access_token"]})).json()
    assert not seen["password_change_required"]
    after = (await accounts.http.get(f"/v1/customers/{customer['id']}")).json()
    assert after["password_expires_at"] is not None, "the rule restarts from the change"
    assert (await accounts.sign_in(customer["email"], "a brand new passphrase")).status_code == 201


async def test_impersonated_changes_are_the_admins(accounts: Accounts) -> None:
    customer = await accounts.create()
    issued = await accounts.http.post(f"/v1/customers/{customer['id']}/impersonations", json={"admin": "grace-admin"})
    assert issued.status_code == 201, issued.text
    token = issued.json()["access_token"]
    seen = (await accounts.http.post("/v1/sessions/introspect", json={"token": token})).json()
    assert seen["impersonated_by"] == "grace-admin"
    edited = await accounts.http.patch(
        f"/v1/learners/{customer['id']}/profile",
        json={"first_name": "Augusta"},
        headers={"X-Impersonated-By": "grace-admin"},
    )
    assert edited.status_code == 200
    assert edited.json()["first_name"] == "Augusta"
    await accounts.http.post("/v1/sessions/revoke", json={"token": token})

    activity = (await accounts.http.get(f"/v1/customers/{customer['id']}/activity-log")).json()["items"]
    tail = [(a["type"], a["actor"], a["impersonated"]) for a in activity[-3:]]
    assert tail == [
        ("impersonation_started", "grace-admin", False),
        ("profile_updated", "grace-admin (impersonating)", True),
        ("impersonation_ended", "grace-admin", False),
    ]


async def test_many_tokens_are_answered_in_one_call_in_their_order(accounts: Accounts) -> None:
    ada, grace, locked = [await accounts.create() for _ in range(3)]
    sessions = {}
    for name, customer in (("ada", ada), ("grace", grace), ("locked", locked)):
        sessions[name] = (await accounts.sign_in(customer["email"])).json()["access_token"]
    signed_out = (await accounts.sign_in(ada["email"])).json()["access_token"]
    assert (await accounts.http.post("/v1/sessions/revoke", json={"token": signed_out})).status_code == 204
    status = {"status": "locked"}
    assert (await accounts.http.put(f"/v1/customers/{locked['id']}/status", json=status, headers=ADMIN)).is_success

    asked = [sessions["grace"], "never-issued", signed_out, sessions["locked"], sessions["ada"], sessions["grace"]]
    answered = await accounts.http.post("/v1/sessions/introspect-many", json={"tokens": asked})

    assert answered.status_code == 200, answered.text
    found = answered.json()["sessions"]
    assert [None if s is None else s["customer_id"] for s in found] == [
        grace["id"], None, None, None, ada["id"], grace["id"],
    ]  # fmt: skip
    one = (await accounts.http.post("/v1/sessions/introspect", json={"token": sessions["ada"]})).json()
    assert found[4] == one, "the same answer as one token's introspection"


@pytest.mark.parametrize(
    ("tokens", "field"),
    [([], "tokens"), (["t"] * 501, "tokens"), (["ok", ""], "tokens.1"), (["x" * 513], "tokens.0")],
)
async def test_a_bad_list_of_tokens_is_refused_whole(accounts: Accounts, tokens: list[str], field: str) -> None:
    refused = await accounts.http.post("/v1/sessions/introspect-many", json={"tokens": tokens})
    assert refused.status_code == 422, refused.text
    assert field in {d["field"] for d in refused.json()["error"]["details"]}
