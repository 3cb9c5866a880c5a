"""The customer page's actions (issue 17): whether the customer may be deleted, for display, and
putting the customer and the users of their registration codes in a group."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from customer_account.domain.actors import Actor
from customer_account.domain.errors import CustomerNotFound, GroupNotFound
from customer_account.domain.orders import AccessState
from customer_account.entrypoints.responses import current_details
from customer_account.service_layer import groups
from customer_account.service_layer.commerce import record_access
from trainyard_common.testing.use_cases import emitted

from .conftest import Register, Uows

pytestmark = pytest.mark.integration

ADMIN = Actor.admin("root@trainyard")


async def access(uows: Uows, customer_id: uuid.UUID, *, active: bool) -> None:
    state = AccessState(uuid.UUID(int=7), customer_id, uuid.uuid4(), active, datetime.now(UTC))
    async with uows() as uow:
        await record_access(uow, [state])
        await uow.commit()


async def test_a_customer_without_orders_or_access_is_deletable_until_access_is_granted(
    uows: Uows, register: Register
) -> None:
    ada = await register()
    shown = await current_details(uows(), ada.id)
    assert (shown.deletable, shown.not_deletable_reasons) == (True, [])

    await access(uows, ada.id, active=True)
    shown = await current_details(uows(), ada.id)
    assert (shown.deletable, shown.not_deletable_reasons) == (False, ["has_access"])

    await access(uows, ada.id, active=False)  # revoked: no longer blocks
    assert (await current_details(uows(), ada.id)).deletable is True


async def test_the_customer_and_the_code_users_join_the_group_once(uows: Uows, register: Register) -> None:
    buyer = await register("buyer@example.com")
    first = await register("first@example.com")
    second = await register("second@example.com")
    group = await groups.create_group(uows(), "Cohort A", None)
    await groups.set_groups(uows(), second.id, {group.id}, ADMIN)  # already a member
    gone = uuid.uuid4()

    done = await groups.group_code_users(uows(), buyer.id, group.id, [first.id, second.id, first.id, gone], ADMIN)

    assert set(done.joined) == {buyer.id, first.id}
    assert done.already_members == [second.id]
    assert done.not_found == [gone]
    changed = await emitted(uows(), "CustomerGroupsChanged")
    assert {c["customer_id"] for c in changed} == {str(buyer.id), str(first.id), str(second.id)}
    again = await groups.group_code_users(uows(), buyer.id, group.id, [first.id, second.id], ADMIN)
    assert (again.joined, set(again.already_members)) == ([], {buyer.id, first.id, second.id})
    assert len(await emitted(uows(), "CustomerGroupsChanged")) == 3  # nothing announced twice


async def test_an_unknown_customer_or_group_changes_nothing(uows: Uows, register: Register) -> None:
    buyer = await register("buyer@example.com")
    user = await register("user@example.com")
    with pytest.raises(GroupNotFound):
        await groups.group_code_users(uows(), buyer.id, uuid.uuid4(), [user.id], ADMIN)
    group = await groups.create_group(uows(), "Cohort B", None)
    with pytest.raises(CustomerNotFound):
        await groups.group_code_users(uows(), uuid.uuid4(), group.id, [user.id], ADMIN)
    assert await emitted(uows(), "CustomerGroupsChanged") == []
