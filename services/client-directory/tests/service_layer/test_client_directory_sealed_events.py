"""Issue 16: client-directory reads registrations and profile changes from the sealed version 2
topics, unsealed with the customers' keys (an in-memory key source here: no Kafka, no
customer-account). One key lookup per batch; an erased customer's event (key destroyed) is skipped;
customer-account away fails the batch as transient (retried, never dead-lettered)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import text

from client_directory.bootstrap import MIGRATIONS
from client_directory.entrypoints.events import SealedLearnerEvents
from client_directory.service_layer.clients import CreateClient, create_client
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import Event
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.errors import TransientError, is_transient
from trainyard_common.testing.sealed_events import known_keys, profile_updated, registered
from trainyard_common.testing.use_cases import units_of_work
from trainyard_common.vocabulary import ProfileField

pytestmark = pytest.mark.integration

Uows = Callable[[], DirectoryUnitOfWork]
Handler = Callable[[Sequence[Delivered[Any]], DirectoryUnitOfWork], Any]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("directory_sealed"), DirectoryUnitOfWork, MIGRATIONS) as factory:
        yield factory


def _delivered(*events: Event) -> list[Delivered[Any]]:
    return [Delivered(event=e, event_id=str(uuid.uuid4()), correlation_id="test") for e in events]


async def _handle(uows: Uows, handler: Handler, *events: Event) -> None:
    async with uows() as uow:
        await handler(_delivered(*events), uow)
        await uow.commit()


async def _learner(uows: Uows, customer_id: uuid.UUID) -> dict[str, Any] | None:
    async with uows() as uow:
        row = (
            await uow.session.execute(text("SELECT * FROM learners WHERE customer_id = :id"), {"id": customer_id})
        ).first()
    return dict(row._mapping) if row else None


async def _client(uows: Uows, domain: str) -> uuid.UUID:
    async with uows() as uow:
        client = await create_client(uow, CreateClient(f"Client {domain}", "Technology", [f"@{domain}"], []))
    return client.id


async def test_sealed_registrations_are_unsealed_with_one_lookup_and_mapped_by_domain(uows: Uows) -> None:
    acme = await _client(uows, "acme.example")
    ada, bob = uuid.uuid4(), uuid.uuid4()
    keys = known_keys()
    events = SealedLearnerEvents(keys)
    await _handle(
        uows,
        events.on_users_registered,
        registered(ada, "ada@acme.example", organization="Acme"),
        registered(bob, "bob@elsewhere.example"),
    )
    assert keys.lookups == 1, "one key lookup for the whole batch"
    ada_row, bob_row = await _learner(uows, ada), await _learner(uows, bob)
    assert ada_row is not None
    assert bob_row is not None
    assert (ada_row["email"], ada_row["client_id"]) == ("ada@acme.example", acme)
    assert (bob_row["email"], bob_row["client_id"]) == ("bob@elsewhere.example", None)


async def test_a_sealed_profile_change_remaps_the_learner(uows: Uows) -> None:
    globex = await _client(uows, "globex.example")
    ada = uuid.uuid4()
    events = SealedLearnerEvents(known_keys())
    await _handle(uows, events.on_users_registered, registered(ada, "ada@nowhere.example"))
    change = profile_updated(ada, "ada@globex.example", previous_email="ada@nowhere.example")
    await _handle(uows, events.on_profiles_updated, change)
    row = await _learner(uows, ada)
    assert row is not None
    assert (row["email"], row["client_id"]) == ("ada@globex.example", globex)
    names_only = profile_updated(ada, "ada@globex.example", changed_fields=[ProfileField.FIRST_NAME])
    await _handle(uows, events.on_profiles_updated, names_only)
    assert (await _learner(uows, ada) or {})["client_id"] == globex


async def test_an_erased_customers_sealed_events_write_nothing(uows: Uows) -> None:
    gone, kept = uuid.uuid4(), uuid.uuid4()
    events = SealedLearnerEvents(known_keys(destroyed=[gone]))
    await _handle(uows, events.on_users_registered, registered(gone, "gone@acme.example"), registered(kept, "k@x.org"))
    await _handle(uows, events.on_profiles_updated, profile_updated(gone, "back@acme.example"))
    assert await _learner(uows, gone) is None, "no key: no e-mail, no organisation"
    assert await _learner(uows, kept) is not None


async def test_customer_account_away_fails_the_batch_as_transient(uows: Uows) -> None:
    keys = known_keys()
    keys.unavailable = True
    customer_id = uuid.uuid4()
    with pytest.raises(TransientError) as raised:
        await _handle(uows, SealedLearnerEvents(keys).on_users_registered, registered(customer_id, "a@x.org"))
    assert is_transient(raised.value), "the messaging core retries the batch without limit"
    assert await _learner(uows, customer_id) is None
