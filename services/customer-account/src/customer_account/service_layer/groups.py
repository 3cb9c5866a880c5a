"""Groups: creating them, setting a customer's, and the e-mail-domain automations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass(slots=True)
class CodeUsersGrouped:
    joined: list[uuid.UUID] = field(default_factory=list)
    already_members: list[uuid.UUID] = field(default_factory=list)
    not_found: list[uuid.UUID] = field(default_factory=list)


async def group_code_users(
    uow: CustomerUnitOfWork,
    customer_id: uuid.UUID,
    group_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID],
    actor: Actor,
) -> CodeUsersGrouped:
    """The customer and every user of their registration codes join the group, in one transaction
    (all or none). The code users are given (commerce-access owns the codes: the gateway reads
    them); one this service does not know (deleted, erased) is skipped and named. Each one who
    joins gets CustomerGroupsChanged and a ``groups_changed`` activity entry; a member already
    is left alone, so asking again changes nothing."""
    at = now()
    outcome = CodeUsersGrouped()
    async with uow:
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None or customer.erased:
            raise CustomerNotFound(customer_id)
        await ensure_groups_exist(uow, {group_id})
        others = sorted({u for u in user_ids if u != customer_id}, key=str)  # one lock order: no deadlock
        for member_id in [customer_id, *others]:
            member = customer if member_id == customer_id else await uow.customers.get(member_id, for_update=True)
            if member is None or member.erased:
                outcome.not_found.append(member_id)
                continue
            before = {g.id for g in await uow.groups.of_customer(member_id)}
            if group_id in before:
                outcome.already_members.append(member_id)
                continue
            await uow.groups.add_members([(member_id, group_id)], at)
            details = {"added": [str(group_id)], "removed": [], "via": f"registration codes of {customer_id}"}
            uow.activity.add(Activity(member_id, "groups_changed", actor, at, details))
            uow.emit(
                CustomerGroupsChanged(
                    customer_id=member_id, group_ids=sorted(before | {group_id}, key=str), changed_at=at
                )
            )
            outcome.joined.append(member_id)
        await uow.commit()
    return outcome


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
