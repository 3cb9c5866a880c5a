"""Issue 15, item 16 over HTTP: an admin-created customer with a generated password gets a
welcome e-mail with a one-time set-password link (never the password); ``POST /v1/password-setup``
sets a password once (204), then refuses the link (422 ``invalid_setup_token``), as it refuses an
expired link, and refuses a weak password (422 ``weak_password``) leaving the link usable."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import text
from support.customers import Accounts

from trainyard_common.http.service_auth import SERVICE_TOKEN_HEADER, Caller, sign

pytestmark = pytest.mark.integration

LINK = re.compile(r"https?://\S+/password-setup#token=([A-Za-z0-9_-]+)")
NEW_PASSWORD = "a long and fresh passphrase"
SETUP = "/v1/password-setup"


async def _welcomed(accounts: Accounts) -> tuple[dict[str, object], str]:
    created = await accounts.create(password="", send_welcome_email=True)
    (mail,) = await asyncio.to_thread(accounts.mailbox.wait_for, str(created["email"]))
    assert str(created["generated_password"]) not in mail.body, "the password is never e-mailed"
    match = LINK.search(mail.body)
    assert match is not None, mail.body
    return created, match.group(1)


async def _set_up(accounts: Accounts, token: str, password: str = NEW_PASSWORD) -> tuple[int, dict[str, Any]]:
    """As the gateway calls it for anyone: a service token naming no admin and no learner."""
    key = accounts.runtime.settings.service_keys[0]
    public = {SERVICE_TOKEN_HEADER: sign(key, method="POST", path=SETUP, caller=Caller(), ttl_seconds=30)}
    response = await accounts.http.post(SETUP, json={"token": token, "password": password}, headers=public, auth=None)
    return response.status_code, (response.json()["error"] if response.content else {})


async def test_the_welcome_link_sets_a_password_once(accounts: Accounts) -> None:
    created, token = await _welcomed(accounts)
    email = str(created["email"])
    assert (await _set_up(accounts, token))[0] == 204
    signed_in = await accounts.sign_in(email, NEW_PASSWORD)
    assert signed_in.status_code == 201, signed_in.text
    assert not signed_in.json()["password_change_required"]
    assert (await accounts.sign_in(email, str(created["generated_password"]))).status_code == 401

    status, body = await _set_up(accounts, token, "yet another long passphrase")
    assert (status, body["code"]) == (422, "invalid_setup_token")
    assert (await accounts.sign_in(email, NEW_PASSWORD)).status_code == 201, "the second use changed nothing"


async def test_a_weak_password_is_refused_and_the_link_still_works(accounts: Accounts) -> None:
    _, token = await _welcomed(accounts)
    status, body = await _set_up(accounts, token, "short")
    assert (status, body["code"], body["details"][0]["field"]) == (422, "weak_password", "password")
    assert (await _set_up(accounts, token))[0] == 204


async def test_an_expired_link_is_refused(accounts: Accounts) -> None:
    created, token = await _welcomed(accounts)
    async with accounts.runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE password_setup_tokens SET expires_at = now() - interval '1 second' WHERE customer_id = :id"),
            {"id": created["id"]},
        )
    status, body = await _set_up(accounts, token)
    assert (status, body["code"]) == (422, "invalid_setup_token")
    assert (await accounts.sign_in(str(created["email"]), NEW_PASSWORD)).status_code == 401
