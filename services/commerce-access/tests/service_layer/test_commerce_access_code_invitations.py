"""Registration code invitations (issue 17, item 3), through the use cases on a throwaway
database: the purchaser invites someone to a code, and each code shows its state. The event
carries the invitee's address sealed with the purchaser's key (issue 16), obtained before the
transaction (here an in-memory key source standing in for customer-account's lookup)."""

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
from trainyard_common.privacy import Unreadable, is_sealed, unseal
from trainyard_common.privacy.key_source import KeysUnavailable
from trainyard_common.privacy.keys import new_data_key
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], CommerceUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("commerce_inv"), CommerceUnitOfWork, MIGRATIONS) as factory:
        yield factory


class FakeKeys:
    """The purchasers' keys as customer-account would give them: None once destroyed (erased);
    ``away``: customer-account cannot be reached."""

    def __init__(self) -> None:
        self.keys: dict[uuid.UUID, bytes | None] = {}
        self.away = False

    async def __call__(self, customer_id: uuid.UUID) -> bytes | None:
        if self.away:
            raise KeysUnavailable("customer-account unreachable")
        return self.keys.setdefault(customer_id, new_data_key())

    def opened(self, event: dict[str, object]) -> str:
        purchaser = uuid.UUID(str(event["customer_id"]))
        key = self.keys[purchaser]
        assert key is not None
        return unseal(str(event["invitee_email"]), key, customer_id=purchaser, field="invitee_email")


@pytest.fixture
def keys() -> FakeKeys:
    return FakeKeys()


async def codes_of(uows: Uows, purchaser: uuid.UUID, seats: int = 3) -> list[str]:
    product = await create_product(uows(), CreateProduct("Safety 101", None, 30, [(Decimal("10.00"), "USD")]))
    return (await checkout(uows(), purchaser, product.prices[0].price_id, seats, None)).codes


async def test_the_purchaser_invites_someone_and_the_invitation_is_announced(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)

    made = await invite(uows(), code.lower(), purchaser, " grace@example.com ", key_of=keys)

    assert (made.code, made.invitee_email, made.invited_by) == (code, "grace@example.com", purchaser)
    [event] = await emitted(uows(), "RegistrationCodeInvited")
    assert (event["customer_id"], event["code"], event["product_name"]) == (str(purchaser), code, "Safety 101")
    assert is_sealed(event["invitee_email"])
    assert "grace" not in event["invitee_email"]
    assert keys.opened(event) == "grace@example.com"  # with the purchaser's key, as customer-account opens it
    with pytest.raises(Unreadable):  # not with anyone else's, nor as another field
        unseal(event["invitee_email"], new_data_key(), customer_id=purchaser, field="invitee_email")
    with pytest.raises(Unreadable):
        unseal(event["invitee_email"], keys.keys[purchaser] or b"", customer_id=purchaser, field="email")


async def test_inviting_again_replaces_the_pending_invitation(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await invite(uows(), code, purchaser, "first@example.com", key_of=keys)

    await invite(uows(), code, purchaser, "second@example.com", key_of=keys, impersonated_by="admin-1")

    [state] = [s for s in await code_states(uows(), purchaser) if s["code"] == code]
    assert (state["state"], state["invitee_email"]) == ("pending_invite", "second@example.com")
    events = await emitted(uows(), "RegistrationCodeInvited")
    assert [keys.opened(e) for e in events] == ["first@example.com", "second@example.com"]
    assert events[1]["impersonated_by"] == "admin-1"


async def test_a_redeemed_code_cannot_be_invited_to(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await redeem(uows(), code, uuid.uuid4())

    with pytest.raises(ConflictingState) as refused:
        await invite(uows(), code, purchaser, "late@example.com", key_of=keys)
    assert refused.value.code == "code_already_redeemed"


async def test_only_the_purchaser_may_invite(uows: Uows, keys: FakeKeys) -> None:
    [code, *_] = await codes_of(uows, uuid.uuid4())

    with pytest.raises(NotFoundError):
        await invite(uows(), code, uuid.uuid4(), "x@example.com", key_of=keys)
    with pytest.raises(NotFoundError):
        await invite(uows(), "NOPE-NOPE-NOPE", uuid.uuid4(), "x@example.com", key_of=keys)
    assert await emitted(uows(), "RegistrationCodeInvited") == []


async def test_each_code_shows_its_state(uows: Uows, keys: FakeKeys) -> None:
    purchaser, redeemer = uuid.uuid4(), uuid.uuid4()
    first, second, third = await codes_of(uows, purchaser)
    await invite(uows(), first, purchaser, "pending@example.com", key_of=keys)
    await invite(uows(), second, purchaser, "invitee@example.com", key_of=keys)
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


async def test_a_removed_redemption_returns_the_code_to_available(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser, 2)
    await invite(uows(), code, purchaser, "invitee@example.com", key_of=keys)
    await redeem(uows(), code, uuid.uuid4())

    await remove_redemption(uows(), code)

    [state] = [s for s in await code_states(uows(), purchaser) if s["code"] == code]
    assert (state["state"], state["redeemed_by"]) == ("available", None)


async def test_the_purchasers_erasure_deletes_their_invitations(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    await invite(uows(), code, purchaser, "invitee@example.com", key_of=keys)

    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await erasure.erase_customer(uow, purchaser)
        await uow.commit()

    assert {s["state"] for s in await code_states(uows(), purchaser)} == {"available"}


async def test_an_erased_purchaser_cannot_invite(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    keys.keys[purchaser] = None  # destroyed: customer-account erased the purchaser

    with pytest.raises(ConflictingState) as refused:
        await invite(uows(), code, purchaser, "late@example.com", key_of=keys)

    assert refused.value.code == "customer_erased"
    assert {s["state"] for s in await code_states(uows(), purchaser)} == {"available"}
    assert await emitted(uows(), "RegistrationCodeInvited") == []


async def test_nothing_is_written_while_customer_account_is_away(uows: Uows, keys: FakeKeys) -> None:
    purchaser = uuid.uuid4()
    [code, *_] = await codes_of(uows, purchaser)
    keys.away = True

    with pytest.raises(KeysUnavailable):
        await invite(uows(), code, purchaser, "later@example.com", key_of=keys)

    assert {s["state"] for s in await code_states(uows(), purchaser)} == {"available"}
    assert await emitted(uows(), "RegistrationCodeInvited") == []
