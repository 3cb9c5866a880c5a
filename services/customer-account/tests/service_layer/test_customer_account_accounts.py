"""Registration, groups, the end of a customer (erasure, deletion) and imports, called directly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from customer_account.adapters.passwords import HashingPool
from customer_account.domain.actors import Actor
from customer_account.domain.customer import CustomerStatus
from customer_account.domain.errors import EmailAlreadyRegistered, GroupNameTaken, GroupNotFound, NotAllowed
from customer_account.domain.imports import RawRow
from customer_account.domain.orders import AccessState, SeenOrder
from customer_account.service_layer import accounts, erasure, groups
from customer_account.service_layer.imports import CustomerImport, ImportOptions
from trainyard_common.privacy import unseal
from trainyard_common.testing.use_cases import emitted

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")
SERVICES = ["client-directory", "commerce-access"]


async def _email(uows: Uows, sealed: dict[str, Any]) -> str:
    """The e-mail of a UserRegistered.v2 payload, unsealed with its customer's key."""
    customer_id = uuid.UUID(sealed["customer_id"])
    async with uows() as uow:
        key = await uow.keys.key_of(customer_id)
    assert key is not None
    return unseal(sealed["email"], key, customer_id=customer_id, field="email")


async def _group_ids(uows: Uows, customer_id: uuid.UUID) -> set[uuid.UUID]:
    async with uows() as uow:
        return {g.id for g in await uow.groups.of_customer(customer_id)}


async def test_an_email_is_registered_once_whatever_its_case(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await register(" ADA@Example.COM ")
    [registered] = await emitted(uows(), "UserRegistered.v2")
    assert (registered["customer_id"], await _email(uows, registered)) == (str(ada.id), "ada@example.com")


async def test_registration_joins_the_groups_of_the_email_domains_automation(uows: Uows, register: Register) -> None:
    staff = await groups.create_group(uows(), "Staff", "@Example.com ")
    ada = await register("ada@example.com")
    await register("bob@elsewhere.org")
    assert await _group_ids(uows, ada.id) == {staff.id}
    [changed] = await emitted(uows(), "CustomerGroupsChanged")
    assert (changed["customer_id"], changed["group_ids"]) == (str(ada.id), [str(staff.id)])


async def test_registration_into_an_unknown_group_stores_nothing(uows: Uows, register: Register) -> None:
    unknown = uuid.uuid4()
    with pytest.raises(GroupNotFound) as refused:
        await register(group_ids=frozenset({unknown}))
    assert (refused.value.code, refused.value.field_name, refused.value.reason) == (
        "unknown_group",
        "group_ids",
        f"no group {unknown}",
    )
    async with uows() as uow:
        assert await uow.customers.by_email("ada@example.com") is None


async def test_a_group_name_is_taken_whatever_its_spacing(uows: Uows) -> None:
    await groups.create_group(uows(), "Sales  Team", None)
    with pytest.raises(GroupNameTaken):
        await groups.create_group(uows(), " Sales Team ", None)


async def test_a_set_of_groups_naming_an_unknown_one_changes_nothing(uows: Uows, register: Register) -> None:
    sales = await groups.create_group(uows(), "Sales", None)
    ada = await register()
    with pytest.raises(GroupNotFound):
        await groups.set_groups(uows(), ada.id, {sales.id, uuid.uuid4()}, ADMIN)
    assert await _group_ids(uows, ada.id) == set()
    await groups.set_groups(uows(), ada.id, {sales.id}, ADMIN)
    assert await _group_ids(uows, ada.id) == {sales.id}


async def test_a_profile_edit_to_an_email_taken_by_another_is_refused(uows: Uows, register: Register) -> None:
    ada = await register("ada@example.com")
    await register("bob@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await accounts.edit_profile(uows(), ada.id, {"email": "BOB@example.com"}, ADMIN)
    assert await emitted(uows(), "CustomerProfileUpdated") == []


async def test_only_an_inactive_customer_is_erased_and_only_once(uows: Uows, register: Register) -> None:
    ada = await register()
    with pytest.raises(NotAllowed) as active:
        await erasure.erase(uows(), ada.id, ADMIN)
    assert active.value.code == "customer_not_inactive"
    await accounts.set_status(uows(), ada.id, CustomerStatus.INACTIVE, ADMIN)
    await erasure.erase(uows(), ada.id, ADMIN)
    with pytest.raises(NotAllowed) as again:
        await erasure.erase(uows(), ada.id, ADMIN)
    assert again.value.code == "already_erased"
    async with uows() as uow:
        erased = await uow.customers.get(ada.id)
    assert erased is not None
    assert (erased.email, erased.first_name, erased.password_hash) == (None, None, None)
    assert [e["customer_id"] for e in await emitted(uows(), "CustomerErased")] == [str(ada.id)]
    certificate = await erasure.certificate(uows(), ada.id, SERVICES)
    assert (certificate.kind, certificate.complete) == ("erased", False)


async def test_a_customer_with_orders_cannot_be_deleted(uows: Uows, register: Register) -> None:
    ada = await register()
    order = SeenOrder(uuid.uuid4(), ada.id, Decimal("10.00"), "USD", "checkout", [], datetime.now(UTC))
    async with uows() as uow:
        await uow.orders.add_new([order])
        await uow.commit()
    with pytest.raises(NotAllowed) as refused:
        await erasure.request_deletion(uows(), ada.id, ADMIN)
    assert refused.value.code == "customer_has_orders"


async def test_access_blocks_a_deletion_until_it_ends(uows: Uows, register: Register) -> None:
    ada = await register()
    access, product = uuid.uuid4(), uuid.uuid4()
    for active in (True, False):
        async with uows() as uow:
            await uow.access.set_all([AccessState(access, ada.id, product, active, datetime.now(UTC))])
            await uow.commit()
        if active:
            with pytest.raises(NotAllowed) as refused:
                await erasure.request_deletion(uows(), ada.id, ADMIN)
            assert refused.value.code == "customer_has_access"
    await erasure.request_deletion(uows(), ada.id, ADMIN)  # commerce-access decides the rest
    assert [e["customer_id"] for e in await emitted(uows(), "CustomerDeletionRequested")] == [str(ada.id)]


@pytest.fixture
async def hashing() -> AsyncIterator[HashingPool]:
    pool = HashingPool(1)
    yield pool
    pool.close()


async def test_an_import_reports_each_refused_row_in_row_order(
    uows: Uows, register: Register, hashing: HashingPool
) -> None:
    await register("taken@example.com")

    def row(number: int, email: str, first: str = "Al") -> RawRow:
        return RawRow(number, {"first_name": first, "last_name": "Smith", "email": email})

    async def batches() -> AsyncIterator[list[RawRow]]:
        # the taken address is found when the batch is applied, after the later rows' checks
        yield [row(1, "taken@example.com"), row(2, "not an address"), row(3, "new@example.com")]
        yield [row(4, "new@example.com"), row(5, "other@example.com", first="")]

    report = await CustomerImport(uows, hashing, ImportOptions(), ADMIN).run(batches())
    assert (report.created, report.imported_rows) == (1, 1)
    assert [(e.number, e.field, e.reason) for e in report.errors] == [
        (1, "email", "taken@example.com is already registered"),
        (2, "email", "'not an address' is not a valid e-mail address"),
        (4, "email", "duplicate in file: new@example.com with no price id appears earlier"),
        (5, "first_name", "First Name is missing"),
    ]
    registered = [await _email(uows, e) for e in await emitted(uows(), "UserRegistered.v2")]
    assert registered == ["taken@example.com", "new@example.com"]
