"""Issue 17, item 6: an admin e-mails a customer a one-time set-password link. The link is the
issue-15 machinery (token SHA-256 only, single use); a new link supersedes older unused ones;
unknown customers are 404, erased or not-active ones 409; the activity log names the admin."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from customer_account.adapters.passwords import verify_password
from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus
from customer_account.domain.errors import CustomerNotFound, NotAllowed
from customer_account.domain.password_setup import InvalidSetupToken
from customer_account.service_layer.accounts import set_status
from customer_account.service_layer.erasure import erase
from customer_account.service_layer.password_setup import SetupLinks, send_password_link, set_password_by_link

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")
LINKS = SetupLinks("https://learn.example.com", timedelta(days=3))
LINK = re.compile(r"https://learn\.example\.com/password-setup#token=([A-Za-z0-9_-]+)")


async def _mails(uows: Uows, customer_id: uuid.UUID) -> list[tuple[str, str, str]]:
    async with uows() as uow:
        rows = await uow.session.execute(
            text("SELECT recipient, subject, body FROM email_outbox WHERE customer_id = :id ORDER BY created_at"),
            {"id": customer_id},
        )
        return [(r.recipient, r.subject, r.body) for r in rows]


async def test_the_link_is_mailed_used_once_and_logged_with_the_admin(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com")

    sent = await send_password_link(uows(), LINKS, ada.id, ADMIN)

    assert (sent.customer_id, sent.sent_to) == (ada.id, "ada@example.com")
    [(recipient, subject, body)] = await _mails(uows, ada.id)
    assert recipient == "ada@example.com"
    assert "password" in subject.lower()
    match = LINK.search(body)
    assert match, body
    async with uows() as uow:
        activity, _ = await uow.activity.of_customer(ada.id, limit=10, offset=0)
        stored = await uow.session.scalar(
            text("SELECT expires_at FROM password_setup_tokens WHERE customer_id = :id"), {"id": ada.id}
        )
    assert [(a.type, a.actor.label) for a in activity if a.type == "password_link_sent"] == [
        ("password_link_sent", "root@trainyard")
    ]
    assert stored == sent.expires_at

    await set_password_by_link(uows(), match.group(1), "a long and fresh passphrase")
    async with uows() as uow:
        after = await uow.customers.get(ada.id)
    assert after is not None
    assert after.password_hash is not None
    assert verify_password(after.password_hash, "a long and fresh passphrase")
    with pytest.raises(InvalidSetupToken):
        await set_password_by_link(uows(), match.group(1), "yet another long passphrase")


async def test_a_new_link_supersedes_the_older_unused_one(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com")
    await send_password_link(uows(), LINKS, ada.id, ADMIN)
    await send_password_link(uows(), LINKS, ada.id, ADMIN)

    first, second = (LINK.search(body) for _, _, body in await _mails(uows, ada.id))
    assert first
    assert second
    with pytest.raises(InvalidSetupToken):
        await set_password_by_link(uows(), first.group(1), "a long and fresh passphrase")
    await set_password_by_link(uows(), second.group(1), "a long and fresh passphrase")


async def test_unknown_inactive_locked_and_erased_customers_get_no_link(uows: Uows, register: Register) -> None:
    with pytest.raises(CustomerNotFound):
        await send_password_link(uows(), LINKS, uuid.uuid4(), ADMIN)

    locked = await register("locked@example.com")
    await set_status(uows(), locked.id, CustomerStatus.LOCKED, ADMIN)
    with pytest.raises(NotAllowed) as refused:
        await send_password_link(uows(), LINKS, locked.id, ADMIN)
    assert refused.value.code == "customer_not_active"

    gone = await register("gone@example.com")
    await set_status(uows(), gone.id, CustomerStatus.INACTIVE, ADMIN)
    with pytest.raises(NotAllowed) as inactive:
        await send_password_link(uows(), LINKS, gone.id, ADMIN)
    assert inactive.value.code == "customer_not_active"
    await erase(uows(), gone.id, ADMIN)
    with pytest.raises(NotAllowed) as erased:
        await send_password_link(uows(), LINKS, gone.id, ADMIN)
    assert erased.value.code == "customer_erased"

    assert await _mails(uows, locked.id) == []
    assert await _mails(uows, gone.id) == []
