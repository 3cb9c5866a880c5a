"""The registration code invitation e-mail (issue 17, item 3): RegistrationCodeInvited from
commerce-access queues one e-mail, however often the event is delivered. The invitee's address
arrives sealed with the purchaser's key (issue 16), opened with this service's own key store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from customer_account.adapters.tables import email_outbox
from customer_account.domain.customer import now
from customer_account.entrypoints.events import on_registration_code_invited
from customer_account.service_layer.invitations import send_invitation
from trainyard_common.contracts import RegistrationCodeInvited
from trainyard_common.privacy import seal
from trainyard_common.privacy.keys import new_data_key

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

CONSUMER = "customer-account"


async def key_of(uows: Uows, customer_id: uuid.UUID) -> bytes:
    """The purchaser's key in this service's store (created if the customer has none yet)."""
    async with uows() as uow:
        key = (await uow.keys.keys_for([customer_id], now()))[customer_id]
        await uow.commit()
    return key


def invited(purchaser: uuid.UUID, key: bytes, invitee: str = "grace@example.com") -> RegistrationCodeInvited:
    """As commerce-access publishes it: the invitee's address sealed with the purchaser's key."""
    return RegistrationCodeInvited(
        customer_id=purchaser,
        code="ABCD-EFGH-JKMN",
        order_id=uuid.uuid4(),
        product_name="Safety 101",
        invitee_email=seal(invitee, key, customer_id=purchaser, field="invitee_email"),
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
    event, event_id = invited(ada.id, await key_of(uows, ada.id)), str(uuid.uuid4())

    await deliver(uows, event, event_id)
    await deliver(uows, event, event_id)  # redelivered: no second e-mail

    [(to, subject, body, filed_under)] = await queued(uows)
    assert (to, filed_under) == ("grace@example.com", ada.id)
    assert subject == "Ada Lovelace invited you to Safety 101"
    assert "ABCD-EFGH-JKMN" in body
    assert "http://localhost:3000/register?code=ABCD-EFGH-JKMN" in body


async def test_a_new_invitation_to_the_same_code_is_a_new_e_mail(uows: Uows, register: Register) -> None:
    ada = await register()
    key = await key_of(uows, ada.id)
    await deliver(uows, invited(ada.id, key), str(uuid.uuid4()))
    await deliver(uows, invited(ada.id, key), str(uuid.uuid4()))

    assert len(await queued(uows)) == 2


async def test_no_e_mail_for_a_purchaser_unknown_here(uows: Uows) -> None:
    async with uows() as uow:
        assert not await send_invitation(uow, invited(uuid.uuid4(), new_data_key()), "https://learn.example")
        await uow.commit()
    assert await queued(uows) == []


async def test_no_e_mail_once_the_purchasers_key_is_destroyed(uows: Uows, register: Register) -> None:
    ada = await register()
    event = invited(ada.id, await key_of(uows, ada.id))
    async with uows() as uow:
        assert await uow.keys.destroy(ada.id)
        await uow.commit()

    await deliver(uows, event, str(uuid.uuid4()))

    assert await queued(uows) == []


async def test_no_e_mail_when_the_address_does_not_open_with_the_purchasers_key(uows: Uows, register: Register) -> None:
    ada = await register()
    await key_of(uows, ada.id)
    sealed_for_someone_else = invited(ada.id, new_data_key())
    in_clear = invited(ada.id, new_data_key()).model_copy(update={"invitee_email": "grace@example.com"})

    await deliver(uows, sealed_for_someone_else, str(uuid.uuid4()))
    await deliver(uows, in_clear, str(uuid.uuid4()))

    assert await queued(uows) == []
