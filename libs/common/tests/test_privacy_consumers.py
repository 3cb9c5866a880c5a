"""Opening a batch of sealed events in a consumer (``privacy.consumers``), and how the messaging core
treats what it raises: an outage of customer-account is transient (the batch waits), the rest is
the message's: a value that can never be opened is dead-lettered at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from trainyard_common.contracts import CustomerDeleted, CustomerErased, UserRegisteredV2
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.errors import TransientError, UnreadableMessage, is_malformed, is_transient
from trainyard_common.privacy import Unreadable, new_data_key
from trainyard_common.privacy.consumers import FixedCustomerKeys, dropping_the_key, open_batch, unsealing_keys
from trainyard_common.privacy.key_source import RemoteCustomerKeys, UnknownCustomers
from trainyard_common.settings import ServiceSettings
from trainyard_common.testing.sealed_events import TEST_KEY, known_keys, registered


def _delivered(*events: UserRegisteredV2) -> list[Delivered[UserRegisteredV2]]:
    return [Delivered(event=e, event_id=str(uuid.uuid4()), correlation_id="test") for e in events]


async def test_one_key_lookup_opens_a_whole_batch_and_an_erased_customer_gives_none() -> None:
    ada, bob, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    keys = known_keys(destroyed=[gone])
    batch = _delivered(
        registered(ada, "ada@example.org"), registered(gone, "gone@example.org"), registered(bob, "b@x.org")
    )
    opened = await open_batch(batch, keys)
    assert keys.lookups == 1
    assert [d for d, _ in opened] == batch
    assert [v["email"] if v else None for _, v in opened] == ["ada@example.org", None, "b@x.org"]
    assert await open_batch([], keys) == []
    assert keys.lookups == 1, "no lookup for nothing"


async def test_customer_account_away_is_a_transient_failure() -> None:
    keys = known_keys()
    keys.unavailable = True
    with pytest.raises(TransientError) as raised:
        await open_batch(_delivered(registered(uuid.uuid4(), "ada@example.org")), keys)
    assert is_transient(raised.value), "the batch is retried without limit, none dead-lettered"


async def test_a_value_sealed_with_another_key_is_dead_lettered_at_once() -> None:
    customer_id = uuid.uuid4()
    keys = FixedCustomerKeys({customer_id: new_data_key()})
    with pytest.raises(UnreadableMessage) as raised:
        await open_batch(_delivered(registered(customer_id, "ada@example.org", key=TEST_KEY)), keys)
    assert isinstance(raised.value.__cause__, Unreadable)
    assert not is_transient(raised.value)
    assert is_malformed(raised.value), "no retry opens it: dead-lettered at once, not after backoffs"


async def test_a_customer_unknown_to_customer_account_is_dead_lettered_at_once() -> None:
    class Unknowing(FixedCustomerKeys):
        async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bytes | None]:
            raise UnknownCustomers(list(customer_ids))

    with pytest.raises(UnreadableMessage) as raised:
        await open_batch(_delivered(registered(uuid.uuid4(), "ada@example.org")), Unknowing({}))
    assert is_malformed(raised.value)
    assert not is_transient(raised.value)


class _OwnerOfKeys(RemoteCustomerKeys):
    """The services' key source with customer-account's answers given here (no HTTP)."""

    def __init__(self, keys: dict[uuid.UUID, bytes | None]) -> None:
        super().__init__(client=None)  # type: ignore[arg-type]  # never used: _lookup is replaced
        self.keys = keys

    async def _lookup(self, customer_ids: list[uuid.UUID]) -> dict[int, bytes | None]:
        self.lookups += 1
        return {customer_id.int: self.keys[customer_id] for customer_id in customer_ids}


async def test_customer_erased_drops_the_cached_key_before_the_services_handler_runs() -> None:
    ada, key = uuid.uuid4(), new_data_key()
    keys = _OwnerOfKeys({ada: key})
    assert await keys.keys_for([ada]) == {ada: key}  # cached now, for minutes
    seen_by_the_handler: list[object] = []

    async def on_customer_erased(event: CustomerErased, uow: str) -> None:
        seen_by_the_handler.append((uow, await keys.keys_for([event.customer_id])))

    handle = dropping_the_key(keys, on_customer_erased)
    await handle(CustomerErased(customer_id=ada, erased_at=datetime.now(UTC)), "the unit of work")

    assert seen_by_the_handler == [("the unit of work", {ada: None})]
    assert await keys.keys_for([ada]) == {ada: None}
    assert keys.lookups == 1, "the drop is not a question to customer-account: the key is gone for good"
    opened = await open_batch(_delivered(registered(ada, "ada@example.org", key=key)), keys)
    assert [fields for _, fields in opened] == [None]  # the event's personal data is skipped
    fixed = FixedCustomerKeys({ada: key})
    fixed.destroyed(ada)
    assert await fixed.keys_for([ada]) == {ada: None}


async def test_customer_deleted_drops_the_cached_key_too() -> None:
    bob, key = uuid.uuid4(), new_data_key()
    keys = _OwnerOfKeys({bob: key})
    assert await keys.keys_for([bob]) == {bob: key}
    handled: list[uuid.UUID] = []

    async def on_customer_deleted(event: CustomerDeleted, uow: object) -> None:
        handled.append(event.customer_id)

    await dropping_the_key(keys, on_customer_deleted)(
        CustomerDeleted(customer_id=bob, deleted_at=datetime.now(UTC)), None
    )

    assert handled == [bob]
    assert await keys.keys_for([bob]) == {bob: None}
    assert keys.lookups == 1


async def test_the_benchmarks_clear_round_reads_fields_as_they_come_and_production_refuses_it() -> None:
    settings = {"database_url": "postgresql://db/x", "personal_fields_in_clear": True}
    remote = FixedCustomerKeys(default=TEST_KEY)
    keys = unsealing_keys(ServiceSettings(**settings), remote)
    in_clear = UserRegisteredV2.model_validate(
        {"customer_id": uuid.uuid4(), "email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace",
         "source": "self_registration", "registered_at": datetime.now(UTC)}
    )  # fmt: skip
    [(_, opened)] = await open_batch(_delivered(in_clear), keys)
    assert opened is not None
    assert (opened["email"], opened["first_name"]) == ("ada@example.org", "Ada")
    assert remote.lookups == 0, "no key asked for"
    assert unsealing_keys(ServiceSettings(database_url="postgresql://db/x"), remote) is remote
    with pytest.raises(ValidationError, match="PERSONAL_FIELDS_IN_CLEAR"):
        ServiceSettings(**settings, environment="production", service_auth_keys="k" * 40)


async def test_a_consumer_opens_only_the_personal_fields_it_uses_the_others_are_left_out() -> None:
    ada = uuid.uuid4()
    keys = known_keys()
    batch = _delivered(registered(ada, "ada@example.org", organization="Analytical Engines"))
    [(_, opened)] = await open_batch(batch, keys, ("email", "organization"))
    assert opened is not None
    assert (opened["email"], opened["organization"]) == ("ada@example.org", "Analytical Engines")
    assert "first_name" not in opened, "not opened, not handed over sealed either"
    assert "last_name" not in opened
    assert opened["customer_id"] == ada, "the other fields are all there"
    [(_, everything)] = await open_batch(batch, keys)
    assert everything is not None
    assert everything["first_name"] == "Ada"
