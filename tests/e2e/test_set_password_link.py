"""Issue 15, item 16 through the gateway: an import's welcome e-mail carries a one-time
set-password link instead of a generated password; the public `POST /api/v1/learner/password-setup`
sets the password once (204; a second use and a weak password: 422) and the learner signs in."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from support.customers import Mailbox, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "/api/v1/admin"
HEADER = "First Name,Last Name,Email,Password,Group ID,Price ID,Cost"
LINK = re.compile(r"https?://\S+/password-setup#token=([A-Za-z0-9_-]+)")
SETUP = "/api/v1/learner/password-setup"
NEW_PASSWORD = "a long and fresh passphrase"


def test_an_imported_learner_sets_a_password_with_the_welcome_link(
    admin: httpx.Client, public: httpx.Client, mailbox: Mailbox
) -> None:
    email = f"link-{uuid.uuid4().hex[:8]}@example.com"
    upload = f"{HEADER}\nLin,Kedin,{email},,,,\n"
    imported = admin.post(
        f"{ADMIN}/customer-imports",
        files={"file": ("c.csv", upload.encode(), "text/csv")},
        data={"send_welcome_email": "true"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 1

    (mail,) = mailbox.wait_for(email, timeout=30)
    assert "password (you will be asked" not in mail.body.lower()
    match = LINK.search(mail.body)
    assert match is not None, mail.body
    token = match.group(1)

    weak = public.post(SETUP, json={"token": token, "password": "short"})
    assert (weak.status_code, weak.json()["error"]["code"]) == (422, "weak_password")
    assert public.post(SETUP, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    signed_in = sign_in(public, email, NEW_PASSWORD)
    assert signed_in.status_code == 201, signed_in.text
    assert not signed_in.json()["password_change_required"]

    again = public.post(SETUP, json={"token": token, "password": "another long passphrase"})
    assert (again.status_code, again.json()["error"]["code"]) == (422, "invalid_setup_token")
