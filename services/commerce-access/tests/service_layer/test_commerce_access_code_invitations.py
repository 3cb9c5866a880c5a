"""Registration code invitations (issue 17, item 3), through the use cases on a throwaway
database: the purchaser invites someone to a code, and each code shows its state."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from commerce_access.bootstrap import MIGRATIONS
from commerce_access.domain.errors import ConflictingState, NotFoundError
from commerce_access.service_layer import erasure
from commerce_access.service_layer.codes import code_states, invite, redeem, remove_redemption
from commerce_access.service_layer.ordering import checkout
from commerce_access.service_layer.products import CreateProduct, create_product
from commerce_access.service_layer.unit_of_work import CommerceUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_inv"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def codes_of(uows: Uows, purchaser: uuid.UUID, seats: int = 3) -> list[str]:
    product = await create_product(uows(), CreateProduct("Safety 101", None, 30, [(Decimal("10.00"), "USD")]))
    return (await checkout(uows(), purchaser, product.prices[0].price_id, seats, None)).codes


async def test_the_purchaser_invites_someone_and_the_invitation_is_announced(uows: Uows) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)

    made = await invite(uows(), code.lower(), purchaser, " grace@example.com ")

    assert (made.code, made.invitee_email, made.invited_by) == (code, "grace@example.com", purchaser)
    [event] = await emitted(uows(), "RegistrationCodeInvited")
    assert (event["customer_id"], event["code"], event["invitee_email"]) == (str(purchaser), code, "grace@example.com")
    assert event["product_name"] == "Safety 101"


async def test_inviting_again_replaces_the_pending_invitation(uows: Uows) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await invite(uows(), code, purchaser, "first@example.com")

    await invite(uows(), code, purchaser, "second@example.com", impersonated_by="admin-1")

    [state] = [s for s in await code_states(uows(), purchaser) if s["code"] == code]
    assert (state["state"], state["invitee_email"]) == ("pending_invite", "second@example.com")
    events = await emitted(uows(), "RegistrationCodeInvited")
    assert [e["invitee_email"] for e in events] == ["first@example.com", "second@example.com"]
    assert events[1]["impersonated_by"] == "admin-1"


async def test_a_redeemed_code_cannot_be_invited_to(uows: Uows) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await redeem(uows(), code, uuid.uuid4())

    with pytest.raises(ConflictingState) as refused:
        await invite(uows(), code, purchaser, "late@example.com")
    assert refused.value.code == "code_already_redeemed"


async def test_only_the_purchaser_may_invite(uows: Uows) -> None:
    [code, *_] = await codes_of(uows, uuid.uuid4())

    with pytest.raises(NotFoundError):
        await invite(uows(), code, uuid.uuid4(), "x@example.com")
    with pytest.raises(NotFoundError):
        await invite(uows(), "NOPE-NOPE-NOPE", uuid.uuid4(), "x@example.com")
    assert await emitted(uows(), "RegistrationCodeInvited") == []


async def test_each_code_shows_its_state(uows: Uows) -> None:
    purchaser, redeemer = uuid.uuid4(), uuid.uuid4()
    first, second, third = await codes_of(uows, purchaser)
    await invite(uows(), first, purchaser, "pending@example.com")
    await invite(uows(), second, purchaser, "invitee@example.com")
    await redeem(uows(), second, redeemer)  # the invitee (or anyone) redeems: no longer pending

    states = {s["code"]: s for s in await code_states(uows(), purchaser)}

    assert {c: s["state"] for c, s in states.items()} == {
        first: "pending_invite",
        second: "redeemed",
        third: "available",
    }
    assert states[first]["invited_at"] is not None
    assert (states[second]["redeemed_by"], states[second]["invitee_email"]) == (redeemer, None)
    assert await code_states(uows(), uuid.uuid4()) == []


async def test_a_removed_redemption_returns_the_code_to_available(uows: Uows) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser, 2)
    await invite(uows(), code, purchaser, "invitee@example.com")
    await redeem(uows(), code, uuid.uuid4())

    await remove_redemption(uows(), code)

    [state] = [s for s in await code_states(uows(), purchaser) if s["code"] == code]
    assert (state["state"], state["redeemed_by"]) == ("available", None)


async def test_the_purchasers_erasure_deletes_their_invitations(uows: Uows) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await invite(uows(), code, purchaser, "invitee@example.com")

    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await erasure.erase_customer(uow, purchaser)
        await uow.commit()

    assert {s["state"] for s in await code_states(uows(), purchaser)} == {"available"}
