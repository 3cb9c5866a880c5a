"""client-directory's internal HTTP API (reached only through the gateway)."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from client_directory.domain.clients import INDUSTRIES, Client
from client_directory.entrypoints.schemas import ClientCreate, ClientList, ClientPublic, LearnerList, LearnerPublic
from client_directory.service_layer.clients import ClientConflict, CreateClient, InvalidClient, create_client
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.http.errors import Conflict, ErrorDetail, NotFound, Unprocessable

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def build_router(uow_factory: Callable[[], DirectoryUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["clients"])
    UnitOfWork = Annotated[DirectoryUnitOfWork, Depends(uow_factory)]

    @router.get("/industries")
    async def industries() -> dict[str, list[str]]:
        return {"items": list(INDUSTRIES)}

    @router.post("/clients", status_code=201)
    async def create(body: ClientCreate, uow: UnitOfWork) -> ClientPublic:
        command = CreateClient(body.name, body.industry, body.email_domains, body.aliases)
        try:
            async with uow:
                client = await create_client(uow, command)
        except InvalidClient as exc:
            raise Unprocessable(
                "The client is not valid.", details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]
            ) from exc
        except ClientConflict as exc:
            raise Conflict(str(exc), details=[ErrorDetail(field=exc.field_name, reason=exc.reason)]) from exc
        return _public(client)

    @router.get("/clients")
    async def list_clients(
        uow: UnitOfWork,
        *,
        search: str | None = None,
        industry: str | None = None,
        active: bool | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ClientList:
        async with uow:
            ids, total = await uow.clients.search(
                search=search, industry=industry, active=active, limit=limit, offset=offset
            )
            clients = [await uow.clients.get(client_id) for client_id in ids]
        return ClientList(items=[_public(c) for c in clients if c], total=total)

    @router.get("/clients/{client_id}")
    async def get_client(client_id: uuid.UUID, uow: UnitOfWork) -> ClientPublic:
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
        items = [
            LearnerPublic(
                customer_id=le.customer_id,
                email=le.email,
                organization=le.organization,
                how=le.reason.value if le.reason else None,
                assigned_at=le.assigned_at,
            )
            for le in learners
        ]
        return LearnerList(items=items, total=total)

    return router


def _public(client: Client) -> ClientPublic:
    return ClientPublic(
        id=client.id,
        name=client.name,
        industry=client.industry,
        email_domains=client.email_domains,
        aliases=client.aliases,
        active=client.active,
        created_at=client.created_at,
    )
