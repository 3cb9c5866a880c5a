"""The registration code invitation e-mail (issue 17, item 3): RegistrationCodeInvited from
commerce-access queues one e-mail, however often the event is delivered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from customer_account.adapters.tables import email_outbox
from customer_account.entrypoints.events import on_registration_code_invited
from customer_account.service_layer.invitations import send_invitation
from trainyard_common.contracts import RegistrationCodeInvited

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

CONSUMER = "customer-account"


def invited(purchaser: uuid.UUID) -> RegistrationCodeInvited:
    return RegistrationCodeInvited(
        customer_id=purchaser,
        code="ABCD-EFGH-JKMN",
        order_id=uuid.uuid4(),
        product_name="Safety 101",
        invitee_email="grace@example.com",
        invited_at=datetime.now(UTC),
    )


async def deliver(uows: Uows, event: RegistrationCodeInvited, event_id: str) -> None:
    """As the subscription does: claim the event id in processed_events, handle it if fresh."""
    async with uows() as uow:
        if await uow.claim_events([event_id], CONSUMER):
            await on_registration_code_invited(event, uow)
        await uow.commit()


async def queued(uows: Uows) -> list[tuple[str, str, str, uuid.UUID]]:
    async with uows() as uow:
        rows = await uow.session.execute(select(email_outbox))
        return [(r.recipient, r.subject, r.body, r.customer_id) for r in rows]


async def test_an_invitation_queues_one_e_mail_with_the_code_and_a_link(uows: Uows, register: Register) -> None:
    ada = await register()
    event, event_id = invited(ada.id), str(uuid.uuid4())

    await deliver(uows, event, event_id)
    await deliver(uows, event, event_id)  # redelivered: no second e-mail

    [(to, subject, body, filed_under)] = await queued(uows)
    assert (to, filed_under) == ("grace@example.com", ada.id)
    assert subject == "Ada Lovelace invited you to Safety 101"
    assert "ABCD-EFGH-JKMN" in body
    assert "http://localhost:3000/register?code=ABCD-EFGH-JKMN" in body


async def test_a_new_invitation_to_the_same_code_is_a_new_e_mail(uows: Uows, register: Register) -> None:
    ada = await register()
    await deliver(uows, invited(ada.id), str(uuid.uuid4()))
    await deliver(uows, invited(ada.id), str(uuid.uuid4()))

    assert len(await queued(uows)) == 2


async def test_no_e_mail_for_a_purchaser_unknown_here(uows: Uows) -> None:
    async with uows() as uow:
        assert not await send_invitation(uow, invited(uuid.uuid4()), "https://learn.example")
        await uow.commit()
    assert await queued(uows) == []
