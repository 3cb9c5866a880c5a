"""Groups and their e-mail-domain automations."""

from __future__ import annotations

from fastapi import APIRouter

from customer_account.domain.groups import Group
from customer_account.entrypoints.deps import UnitOfWork
from customer_account.service_layer import groups
from trainyard_common.api.customers import GroupAutomation, GroupCreate, GroupList, GroupPublic
from trainyard_common.http.errors import ErrorBody

router = APIRouter(prefix="/v1", tags=["groups"])


@router.post("/groups", status_code=201, responses={409: {"model": ErrorBody}})
async def create_group(body: GroupCreate, uow: UnitOfWork) -> GroupPublic:
    """A group; with an automation, new or changed customers of that e-mail domain join it."""
    domain = body.automation.email_domain if body.automation else None
    group = await groups.create_group(uow, body.name, domain)
    return _public(group, 0)


@router.get("/groups")
async def list_groups(uow: UnitOfWork) -> GroupList:
    async with uow:
        found = await uow.groups.all()
        counts = await uow.groups.member_counts()
    return GroupList(items=[_public(g, counts.get(g.id, 0)) for g in found], total=len(found))


def _public(group: Group, members: int) -> GroupPublic:
    automation = GroupAutomation(email_domain=group.email_domain) if group.email_domain else None
    return GroupPublic(
        id=group.id, name=group.name, automation=automation, members=members, created_at=group.created_at
    )
