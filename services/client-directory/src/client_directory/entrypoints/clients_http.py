"""Routes: clients, their learners, the industry pick list."""

import uuid
from typing import Any

from fastapi import APIRouter

from client_directory.domain.clients import INDUSTRIES, Client, ClientChanges
from client_directory.domain.learners import Learner
from client_directory.entrypoints.deps import Limit, Offset, ReadingUnitOfWork, UnitOfWork
from client_directory.service_layer.clients import CreateClient, change_client, create_client
from trainyard_common.api.clients import (
    ClientCreate,
    ClientList,
    ClientPublic,
    ClientUpdate,
    LearnerList,
    LearnerPublic,
)
from trainyard_common.http.errors import NotFound
from trainyard_common.http.plain_json import PlainJSON, capped_page

router = APIRouter(prefix="/v1", tags=["clients"])


@router.get("/industries")
async def industries() -> dict[str, list[str]]:
    return {"items": list(INDUSTRIES)}


@router.post("/clients", status_code=201)
async def create(body: ClientCreate, uow: UnitOfWork) -> ClientPublic:
    command = CreateClient(body.name, body.industry, body.email_domains, body.aliases)
    async with uow:
        client = await create_client(uow, command)
    return _public(client)


@router.patch("/clients/{client_id}")
async def change(client_id: uuid.UUID, body: ClientUpdate, uow: UnitOfWork) -> ClientPublic:
    changes = ClientChanges(**body.model_dump(exclude_unset=True, exclude_none=True))
    async with uow:
        client = await change_client(uow, client_id, changes)
    return _public(client)


@router.get("/clients", response_model=ClientList)
async def list_clients(
    uow: ReadingUnitOfWork,
    *,
    search: str | None = None,
    industry: str | None = None,
    active: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlainJSON:
    async with uow:
        clients, total = await uow.clients.search(
            search=search, industry=industry, active=active, limit=limit, offset=offset
        )
    return PlainJSON(capped_page([_public_fields(c) for c in clients], total))


@router.get("/clients/{client_id}")
async def get_client(client_id: uuid.UUID, uow: ReadingUnitOfWork) -> ClientPublic:
    async with uow:
        client = await uow.clients.get(client_id)
    if client is None:
        raise NotFound("No such client.")
    return _public(client)


@router.get("/clients/{client_id}/learners")
async def learners_of_client(
    client_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0
) -> LearnerList:
    async with uow:
        if await uow.clients.get(client_id) is None:
            raise NotFound("No such client.")
        learners, total = await uow.learners.of_client(client_id, limit=limit, offset=offset)
    return LearnerList(items=[_learner(le) for le in learners], total=total)


def _learner(learner: Learner) -> LearnerPublic:
    return LearnerPublic(
        customer_id=learner.customer_id,
        email=learner.email,
        organization=learner.organization,
        how=learner.reason.value if learner.reason else None,
        assigned_at=learner.assigned_at,
    )


def _public(client: Client) -> ClientPublic:
    return ClientPublic(**_public_fields(client))


def _public_fields(client: Client) -> dict[str, Any]:
    """``ClientPublic``'s fields as plain data (what the list writes straight out: ``PlainJSON``)."""
    return {
        "id": client.id,
        "name": client.name,
        "industry": client.industry,
        "email_domains": client.email_domains,
        "aliases": client.aliases,
        "active": client.active,
        "created_at": client.created_at,
    }
