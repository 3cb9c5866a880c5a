"""Each customer's own key (crypto-shredding, issue 16): created with the customer, destroyed by the
erasure, re-wrapped by a KEK rotation; and the certificate of erasure's facts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from customer_account.adapters.customer_keys import key_encryption_keys, use_key_encryption_keys
from customer_account.adapters.passwords import HashingPool
from customer_account.adapters.tables import customer_keys
from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus
from customer_account.domain.errors import CustomerNotFound
from customer_account.domain.imports import RawRow
from customer_account.service_layer import accounts, erasure
from customer_account.service_layer.customer_keys import customer_key, rotate
from customer_account.service_layer.customer_keys import customer_keys as customer_keys_of
from customer_account.service_layer.imports import CustomerImport, ImportOptions
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerDeletionDecided, CustomerErasureCompleted
from trainyard_common.privacy import KeyEncryptionKeys, new_data_key
from trainyard_common.vocabulary import DeletionDecision, ErasureKind, ServiceName

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")


async def _rows(uows: Uows) -> list[tuple[uuid.UUID, bytes, str]]:
    uow: CustomerUnitOfWork
    async with uows() as uow:
        result = await uow.session.execute(
            select(customer_keys.c.customer_id, customer_keys.c.wrapped_key, customer_keys.c.kek_id)
        )
        return [(r.customer_id, r.wrapped_key, r.kek_id) for r in result]


async def _erase(uows: Uows, customer_id: uuid.UUID) -> None:
    await accounts.set_status(uows(), customer_id, CustomerStatus.INACTIVE, ADMIN)
    await erasure.erase(uows(), customer_id, ADMIN)


async def test_a_key_is_created_with_the_customer_and_served_unchanged(uows: Uows, register: Register) -> None:
    ada = await register()

    [(owner, wrapped, kek_id)] = await _rows(uows)
    key = await customer_key(uows(), ada.id)
    assert owner == ada.id
    assert kek_id == key_encryption_keys().current_id
    assert key is not None
    assert len(key) == 32
    assert key not in wrapped
    assert await customer_key(uows(), ada.id) == key
    with pytest.raises(CustomerNotFound):
        await customer_key(uows(), uuid.uuid4())


async def test_a_customer_from_before_keys_gets_one_when_first_asked(uows: Uows, register: Register) -> None:
    ada = await register()
    uow: CustomerUnitOfWork
    async with uows() as uow:
        await uow.session.execute(delete(customer_keys))
        await uow.commit()

    key = await customer_key(uows(), ada.id)
    assert key is not None
    assert await customer_key(uows(), ada.id) == key
    assert [r[0] for r in await _rows(uows)] == [ada.id]


async def test_erasure_destroys_the_key_and_the_certificate_says_when(uows: Uows, register: Register) -> None:
    ada = await register()
    bob = await register("bob@example.com")
    await _erase(uows, ada.id)

    assert await customer_key(uows(), ada.id) is None  # destroyed, and never created again
    assert await customer_key(uows(), ada.id) is None
    assert [r[0] for r in await _rows(uows)] == [bob.id]
    found = await erasure.certificate(uows(), ada.id, ["commerce-access"])
    assert found.key_destroyed_at is not None
    assert found.key_destroyed_at >= found.requested_at


async def test_the_certificate_lists_what_each_service_removed(uows: Uows, register: Register) -> None:
    ada = await register()
    await _erase(uows, ada.id)
    receipt = CustomerErasureCompleted(
        customer_id=ada.id,
        service=ServiceName.COMMERCE_ACCESS,
        request_event_id=uuid.uuid4(),
        request_kind=ErasureKind.ERASED,
        completed_at=datetime.now(UTC),
        removed=["customers", "code_invitations"],
    )
    uow: CustomerUnitOfWork
    async with uows() as uow:
        await erasure.record_receipt(uow, receipt)
        await uow.commit()

    found = await erasure.certificate(uows(), ada.id, ["commerce-access", "training-progress"])
    by_service = {s.service: s for s in found.services}
    assert by_service["commerce-access"].removed == ("customers", "code_invitations")
    assert by_service["training-progress"].removed == ()
    assert not by_service["training-progress"].confirmed


async def test_kek_rotation_rewraps_every_key_resumably(uows: Uows, register: Register) -> None:
    customers = [await register(f"c{i}@example.com") for i in range(5)]
    before = {c.id: await customer_key(uows(), c.id) for c in customers}
    old = key_encryption_keys()
    new = KeyEncryptionKeys((("next", new_data_key()), *old.keys))
    use_key_encryption_keys(new)
    try:
        uow: CustomerUnitOfWork
        async with uows() as uow:  # a run stopped after its first batch
            assert await uow.keys.rewrap_batch(2) == 2
            await uow.commit()
        assert sorted(r[2] for r in await _rows(uows)) == ["dev", "dev", "dev", "next", "next"]

        assert await rotate(uows(), 2) == 3  # resumed: only the rest
        assert await rotate(uows(), 2) == 0  # idempotent
        assert {r[2] for r in await _rows(uows)} == {"next"}
        assert {c.id: await customer_key(uows(), c.id) for c in customers} == before
        use_key_encryption_keys(KeyEncryptionKeys(new.keys[:1]))  # the old KEK dropped: every key still opens
        assert {c.id: await customer_key(uows(), c.id) for c in customers} == before
    finally:
        use_key_encryption_keys(old)


async def test_an_import_batch_creates_the_keys_of_its_new_customers(uows: Uows, register: Register) -> None:
    known = await register("known@example.com")

    async def batches() -> AsyncIterator[list[RawRow]]:
        yield [
            RawRow(
                n, {"first_name": "I", "last_name": str(n), "email": f"i{n}@example.com", "price_id": "", "cost": ""}
            )
            for n in range(1, 4)
        ]

    hashing = HashingPool(1)
    try:
        report = await CustomerImport(uows, hashing, ImportOptions(currency="CAD"), ADMIN).run(batches())
    finally:
        hashing.close()

    assert report.created == 3
    rows = await _rows(uows)
    assert len(rows) == 4
    assert known.id in {r[0] for r in rows}


async def test_an_approved_deletion_destroys_the_key(uows: Uows, register: Register) -> None:
    ada = await register()
    await erasure.request_deletion(uows(), ada.id, ADMIN)
    decision = CustomerDeletionDecided(
        customer_id=ada.id,
        request_event_id=uuid.uuid4(),
        decision=DeletionDecision.APPROVED,
        reason=None,
        decided_at=datetime.now(UTC),
    )
    uow: CustomerUnitOfWork
    async with uows() as uow:
        uow.event_id = str(uuid.uuid4())
        await erasure.apply_deletion_decision(uow, decision)
        await uow.commit()

    assert await _rows(uows) == []
    assert await customer_key(uows(), ada.id) is None  # 410, not 404: the certificate outlives the customer
    assert (await erasure.certificate(uows(), ada.id, [])).key_destroyed_at is not None


async def test_a_batch_lookup_sorts_every_id_into_keys_destroyed_or_unknown(uows: Uows, register: Register) -> None:
    ada, bob, cy = await register(), await register("bob@example.com"), await register("cy@example.com")
    uow: CustomerUnitOfWork
    async with uows() as uow:  # cy is from before keys: the lookup creates hers, as the single route does
        await uow.session.execute(delete(customer_keys).where(customer_keys.c.customer_id == cy.id))
        await uow.commit()
    await _erase(uows, bob.id)
    stranger = uuid.uuid4()

    found = await customer_keys_of(uows(), [ada.id, bob.id, cy.id, stranger, ada.id])

    assert set(found.keys) == {ada.id, cy.id}
    assert found.keys[ada.id] == await customer_key(uows(), ada.id)
    assert found.keys[cy.id] == await customer_key(uows(), cy.id)
    assert found.destroyed == [bob.id]
    assert found.unknown == [stranger]
    again = await customer_keys_of(uows(), [cy.id])
    assert again.keys == {cy.id: found.keys[cy.id]}


async def test_keys_for_new_customers_are_stored_without_a_read_back_and_never_replace_one(
    uows: Uows, register: Register
) -> None:
    ada, bob, cy = await register(), await register("bob@example.com"), await register("cy@example.com")
    newcomers = [bob.id, cy.id]
    uow: CustomerUnitOfWork
    async with uows() as uow:  # as if bob and cy were being registered: no key yet
        await uow.session.execute(delete(customer_keys).where(customer_keys.c.customer_id.in_(newcomers)))
        made = await uow.keys.create_new(newcomers, datetime.now(UTC))
        await uow.commit()
    async with uows() as uow:
        assert await uow.keys.keys_of(newcomers) == made
    before = await customer_key(uows(), ada.id)
    with pytest.raises(IntegrityError):
        async with uows() as uow:
            await uow.keys.create_new([ada.id], datetime.now(UTC))  # not new: refused, not overwritten
    assert await customer_key(uows(), ada.id) == before
