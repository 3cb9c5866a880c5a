"""Groups: creating them, setting a customer's, and the e-mail-domain automations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from customer_account.domain.activity import Activity
from customer_account.domain.actors import Actor
from customer_account.domain.customer import email_domain, now
from customer_account.domain.errors import CustomerNotFound, GroupNameTaken, GroupNotFound
from customer_account.domain.groups import Group, normalize_domain, normalize_group_name
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork
from trainyard_common.contracts import CustomerGroupsChanged


async def create_group(uow: CustomerUnitOfWork, name: str, domain: str | None) -> Group:
    group = Group(uuid.uuid4(), normalize_group_name(name), normalize_domain(domain), now())
    async with uow:
        if not await uow.groups.add_if_name_free(group):
            raise GroupNameTaken(group.name)
        await uow.commit()
    return group


async def ensure_groups_exist(uow: CustomerUnitOfWork, group_ids: Iterable[uuid.UUID]) -> None:
    wanted = set(group_ids)
    missing = wanted - await uow.groups.existing(wanted)
    if missing:
        raise GroupNotFound(sorted(missing, key=str)[0])


async def join_groups(
    uow: CustomerUnitOfWork, customer_id: uuid.UUID, group_ids: set[uuid.UUID], actor: Actor, at: datetime
) -> None:
    """Add memberships (explicit ones and the automations') and announce the new set."""
    before = {g.id for g in await uow.groups.of_customer(customer_id)}
    added = group_ids - before
    if not added:
        return
    await uow.groups.add_members(((customer_id, g) for g in added), at)
    await _announce(uow, customer_id, before | added, actor, at, added=added, removed=set())


async def automatic_groups(uow: CustomerUnitOfWork, email: str) -> set[uuid.UUID]:
    return await uow.groups.for_domain(email_domain(email))


async def set_groups(
    uow: CustomerUnitOfWork, customer_id: uuid.UUID, group_ids: set[uuid.UUID], actor: Actor
) -> list[Group]:
    at = now()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None or customer.erased:
            raise CustomerNotFound(customer_id)
        await ensure_groups_exist(uow, group_ids)
        before = {g.id for g in await uow.groups.of_customer(customer_id)}
        added, removed = group_ids - before, before - group_ids
        if added or removed:
            await uow.groups.add_members(((customer_id, g) for g in added), at)
            await uow.groups.remove_members(customer_id, removed)
            await _announce(uow, customer_id, group_ids, actor, at, added=added, removed=removed)
        groups = await uow.groups.of_customer(customer_id)
        await uow.commit()
    return groups


async def _announce(
    uow: CustomerUnitOfWork,
    customer_id: uuid.UUID,
    now_in: set[uuid.UUID],
    actor: Actor,
    at: datetime,
    *,
    added: set[uuid.UUID],
    removed: set[uuid.UUID],
) -> None:
    details = {"added": sorted(map(str, added)), "removed": sorted(map(str, removed))}
    uow.activity.add(Activity(customer_id, "groups_changed", actor, at, details))
    uow.emit(CustomerGroupsChanged(customer_id=customer_id, group_ids=sorted(now_in, key=str), changed_at=at))
