"""Issue 17, item 6 through the gateway: `POST /api/v1/admin/customers/{id}/password-link` e-mails
the customer a one-time set-password link (202 `{customer_id, sent_to, expires_at}`); the learner
sets a password with it and signs in; a second use is refused; an unknown customer is 404; the
activity log records the sending with the admin as actor."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from support.customers import Mailbox, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
LINK = re.compile(r"https?://\S+/password-setup#token=([A-Za-z0-9_-]+)")
SETUP = "/api/v1/learner/password-setup"
NEW_PASSWORD = "a long and fresh passphrase"


def test_an_admin_sends_a_set_password_link_the_learner_uses_once(
    admin: httpx.Client, public: httpx.Client, mailbox: Mailbox
) -> None:
    email = f"plink-{uuid.uuid4().hex[:8]}@example.com"
    created = admin.post(
        f"{ADMIN}/customers",
        json={"first_name": "Pat", "last_name": "Link", "email": email, "send_welcome_email": False},
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]

    sent = admin.post(f"{ADMIN}/customers/{customer_id}/password-link")
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == email
    assert sent.json()["customer_id"] == customer_id
    assert sent.json()["expires_at"]

    (mail,) = mailbox.wait_for(email, timeout=30)
    match = LINK.search(mail.body)
    assert match is not None, mail.body
    token = match.group(1)

    assert public.post(SETUP, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    signed_in = sign_in(public, email, NEW_PASSWORD)
    assert signed_in.status_code == 201, signed_in.text

    again = public.post(SETUP, json={"token": token, "password": "another long passphrase"})
    assert (again.status_code, again.json()["error"]["code"]) == (422, "invalid_setup_token")

    log = admin.get(f"{ADMIN}/customers/{customer_id}/activity-log")
    assert log.status_code == 200, log.text
    [entry] = [e for e in log.json()["items"] if e["type"] == "password_link_sent"]
    assert entry["actor_kind"] == "admin"


def test_an_unknown_customer_is_404(admin: httpx.Client) -> None:
    missing = admin.post(f"{ADMIN}/customers/{uuid.uuid4()}/password-link")
    assert missing.status_code == 404, missing.text


def test_an_inactive_customer_gets_no_link(admin: httpx.Client, mailbox: Mailbox) -> None:
    email = f"plink-off-{uuid.uuid4().hex[:8]}@example.com"
    created = admin.post(
        f"{ADMIN}/customers",
        json={"first_name": "Pat", "last_name": "Off", "email": email, "password": NEW_PASSWORD},
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    assert admin.put(f"{ADMIN}/customers/{customer_id}/status", json={"status": "inactive"}).status_code == 200
    refused = admin.post(f"{ADMIN}/customers/{customer_id}/password-link")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "customer_not_active")
    assert mailbox.to(email) == []
