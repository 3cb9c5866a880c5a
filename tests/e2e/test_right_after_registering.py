"""Acting right after registering (issue 14, item 2): an admin enrols a learner in a class, the
learner checks out or redeems a registration code, before client-directory or commerce-access
consumed the learner's UserRegistered. Each answers 2xx; once the registration arrives the
student has the class's default client, and the order, access and seat are all still there.

The race window is made certain, not hoped for: customer-account runs for a while without its
outbox relay (registrations commit, sign-in works, UserRegistered waits in the outbox), then
restarts with it and the held-back events flow.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support.commerce import PASSWORD, create_product
from support.flows import register

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
LEARNER = "/api/v1/learner"


def new_learner(public: httpx.Client) -> tuple[str, dict[str, str]]:
    """Register and sign in at once: the customer id and the session's Authorization header."""
    email = f"early-{uuid.uuid4().hex[:8]}@right-after.example"
    registered = register(public, email, password=PASSWORD)
    assert registered.status_code == 201, registered.text
    session = public.post(f"{LEARNER}/sessions", json={"email": email, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return str(registered.json()["id"]), {"Authorization": f"Bearer {session.json()['access_token']}"}


def a_class_with_default(admin: httpx.Client) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    client = admin.post(f"{ADMIN}/clients", json={"name": f"Partner {tag}", "industry": "Education"})
    assert client.status_code == 201, client.text
    created = admin.post(
        f"{ADMIN}/classes",
        json={
            "name": f"Right after {tag}",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-06",
            "default_client_id": client.json()["id"],
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"]), str(client.json()["id"])


def students(admin: httpx.Client, class_id: str) -> dict[str, dict[str, Any]]:
    reply = admin.get(f"{ADMIN}/classes/{class_id}/students")
    assert reply.status_code == 200, reply.text
    return {s["customer_id"]: s for s in reply.json()["items"]}


def eventually(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(0.2)


def known_to_commerce(system: Any, customer_id: str) -> bool:
    return system.commerce_access.signed(timeout=5).get(f"/v1/customers/{customer_id}").status_code == 200


def test_enrol_checkout_and_redeem_the_instant_after_registering(system: Any, admin: httpx.Client) -> None:
    """No help: whatever the consumers' lag, each action succeeds and sticks."""
    class_id, partner = a_class_with_default(admin)
    price_id = create_product(admin)["prices"][0]["price_id"]
    with system.public() as public:
        _, purchaser = new_learner(public)
        code = public.post(f"{LEARNER}/orders", json={"price_id": price_id, "quantity": 2}, headers=purchaser).json()[
            "registration_codes"
        ][0]

        student, _ = new_learner(public)
        enrolled = admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": [student]})
        buyer, buyer_auth = new_learner(public)
        bought = public.post(f"{LEARNER}/orders", json={"price_id": price_id}, headers=buyer_auth)
        holder, holder_auth = new_learner(public)
        redeemed = public.post(f"{LEARNER}/registration-codes/{code}/redeem", headers=holder_auth)

    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["enrolled"] == [student]
    assert bought.status_code == 201, bought.text
    assert redeemed.status_code == 201, redeemed.text
    eventually(lambda: students(admin, class_id)[student]["status"] == "enrolled", "the student's arrival")
    assert (students(admin, class_id)[student]["client"]["id"], students(admin, class_id)[student]["how"]) == (
        partner,
        "class",
    )
    eventually(lambda: known_to_commerce(system, buyer) and known_to_commerce(system, holder), "the projection")
    assert admin.get(f"{ADMIN}/customers/{buyer}/orders").json()["total"] == 1
    (access,) = admin.get(f"{ADMIN}/customers/{holder}/access").json()["items"]
    assert access["status"] == "active"


def test_actions_before_any_service_heard_of_the_learner_all_stick(system: Any, admin: httpx.Client) -> None:
    """UserRegistered held back in customer-account's outbox: client-directory and
    commerce-access have certainly not consumed it when the admin and the learners act."""
    class_id, partner = a_class_with_default(admin)
    price_id = create_product(admin)["prices"][0]["price_id"]
    with system.public() as public:
        purchaser_id, purchaser = new_learner(public)
        bought = public.post(f"{LEARNER}/orders", json={"price_id": price_id, "quantity": 2}, headers=purchaser)
        assert bought.status_code == 201, bought.text
        code = bought.json()["registration_codes"][0]

    accounts = system.customer_account
    accounts.stop()
    accounts.start(TRAINYARD_OUTBOX_RELAY_ENABLED="false")
    try:
        with system.public() as public:
            student, _ = new_learner(public)
            buyer, buyer_auth = new_learner(public)
            holder, holder_auth = new_learner(public)

            enrolled = admin.post(f"{ADMIN}/classes/{class_id}/enrollments", json={"customer_ids": [student]})
            listed = students(admin, class_id)
            assigning = admin.post(
                f"{ADMIN}/classes/{class_id}/client-assignments", json={"customer_ids": [student], "client_id": partner}
            )
            headers = {**buyer_auth, "Idempotency-Key": str(uuid.uuid4())}
            bought = public.post(f"{LEARNER}/orders", json={"price_id": price_id}, headers=headers)
            redeemed = public.post(f"{LEARNER}/registration-codes/{code}/redeem", headers=holder_auth)
            unknown_here = [c for c in (buyer, holder) if not known_to_commerce(system, c)]
    finally:
        accounts.stop()
        accounts.start()

    assert enrolled.status_code == 200, enrolled.text
    assert (enrolled.json()["enrolled"], enrolled.json()["pending"]) == ([student], [student])
    assert (listed[student]["status"], listed[student]["email"], listed[student]["client"]) == ("pending", None, None)
    assert assigning.status_code == 409, assigning.text  # nothing to change yet: retry
    assert assigning.json()["error"]["code"] == "learner_pending"
    assert bought.status_code == 201, bought.text
    assert redeemed.status_code == 201, redeemed.text
    assert unknown_here == [buyer, holder]  # the race was real: commerce-access had not heard of them

    eventually(lambda: students(admin, class_id)[student]["status"] == "enrolled", "the student's arrival")
    arrived = students(admin, class_id)[student]
    assert (arrived["client"]["id"], arrived["how"]) == (partner, "class")
    assert arrived["email"].startswith("early-")  # known now, from the registration

    eventually(lambda: known_to_commerce(system, buyer) and known_to_commerce(system, holder), "the projection")
    orders = admin.get(f"{ADMIN}/customers/{buyer}/orders").json()
    assert [o["id"] for o in orders["items"]] == [bought.json()["id"]]
    (access,) = admin.get(f"{ADMIN}/customers/{holder}/access").json()["items"]
    assert (access["id"], access["status"]) == (redeemed.json()["access"]["id"], "active")
    (user,) = admin.get(f"{ADMIN}/customers/{purchaser_id}/registration-code-users").json()["items"]
    assert (user["customer_id"], user["code"], user["first_name"]) == (holder, code, "Ada")
