"""Issue 17, item 3 through the gateway: the purchaser of several seats invites someone by e-mail
to one code; the e-mail carries the code and a link; the admin's list of the customer's codes
shows it pending (to whom, since when) beside the available ones; once the invitee registered and
redeemed it, the code is redeemed (by whom) and Registration Code Users lists them.

Issue 16: RegistrationCodeInvited carries the invitee's address sealed with the purchaser's key;
read with a plain Kafka consumer, the record holds it in no readable form."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from support.commerce import create_product, signed_in_learner
from support.customers import Mailbox, sign_in
from support.flows import register

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
LEARNER = "/api/v1/learner"
PASSWORD = "correct horse battery"


async def invitation_record(bootstrap: str, topic: str, purchaser_id: str, code: str, timeout: float = 60) -> Any:
    """The RegistrationCodeInvited record of ``code`` (keyed by the purchaser), as any subscriber reads it."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == purchaser_id.encode() and json.loads(record.value)["code"] == code:
                        return record
        raise AssertionError(f"no RegistrationCodeInvited of {code} on {topic}")
    finally:
        await consumer.stop()


def codes_of(admin: httpx.Client, customer_id: str) -> dict[str, dict[str, Any]]:
    listed = admin.get(f"{ADMIN}/customers/{customer_id}/registration-codes")
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == len(listed.json()["items"])
    return {item["code"]: item for item in listed.json()["items"]}


def test_an_invitation_is_mailed_pending_then_redeemed(
    system: Any, admin: httpx.Client, public: httpx.Client, mailbox: Mailbox
) -> None:
    price_id = create_product(admin)["prices"][0]["price_id"]
    purchaser_id, purchaser = signed_in_learner(system)
    bought = public.post(f"{LEARNER}/orders", json={"price_id": price_id, "quantity": 3}, headers=purchaser)
    assert bought.status_code == 201, bought.text
    code, *others = bought.json()["registration_codes"]
    invitee = f"invitee-{uuid.uuid4().hex[:8]}@example.com"

    invited = public.post(f"{LEARNER}/registration-codes/{code}/invitation", json={"email": invitee}, headers=purchaser)
    assert invited.status_code == 201, invited.text
    assert invited.json()["email"] == invitee

    _, stranger = signed_in_learner(system)  # not the purchaser: the code is not theirs to give
    refused = public.post(f"{LEARNER}/registration-codes/{code}/invitation", json={"email": invitee}, headers=stranger)
    assert refused.status_code == 404, refused.text

    (mail,) = mailbox.wait_for(invitee, timeout=30)
    assert code in mail.body
    assert f"/register?code={code}" in mail.body
    assert "Ada Lovelace" in mail.subject

    topic = f"{system.topic_prefix}RegistrationCodeInvited"
    record = asyncio.run(invitation_record(system.kafka_bootstrap, topic, purchaser_id, code))
    raw = record.value + b"".join(value for _, value in record.headers)
    local_part = invitee.split("@", maxsplit=1)[0]
    for clear in (invitee, local_part, local_part.upper()):
        assert clear.encode() not in raw, clear
    sealed = json.loads(record.value)["invitee_email"]
    assert sealed.startswith("tyenc:v1:")

    states = codes_of(admin, purchaser_id)
    assert {c: s["state"] for c, s in states.items()} == {
        code: "pending_invite",
        others[0]: "available",
        others[1]: "available",
    }
    assert states[code]["pending_invite"]["email"] == invitee
    assert states[code]["pending_invite"]["invited_at"]

    registered = register(public, invitee, first_name="Grace", last_name="Hopper", password=PASSWORD)
    assert registered.status_code == 201, registered.text
    invitee_id = str(registered.json()["id"])
    session = sign_in(public, invitee, PASSWORD)
    assert session.status_code == 201, session.text
    headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
    redeemed = public.post(f"{LEARNER}/registration-codes/{code}/redeem", headers=headers)
    assert redeemed.status_code == 201, redeemed.text

    again = public.post(f"{LEARNER}/registration-codes/{code}/invitation", json={"email": invitee}, headers=purchaser)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "code_already_redeemed")

    deadline = time.monotonic() + 30
    while True:  # the redeemer's name arrives with UserRegistered, consumed by commerce-access
        state = codes_of(admin, purchaser_id)[code]
        if (state["redeemed_by"] and state["redeemed_by"]["email"]) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (state["state"], state["pending_invite"]) == ("redeemed", None)
    assert (state["redeemed_by"]["customer_id"], state["redeemed_by"]["email"]) == (invitee_id, invitee)
    users = admin.get(f"{ADMIN}/customers/{purchaser_id}/registration-code-users").json()["items"]
    assert [(u["code"], u["customer_id"]) for u in users] == [(code, invitee_id)]
