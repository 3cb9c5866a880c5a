"""Clients, passed through to client-directory's internal API (/v1/...)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from gateway.adapters.services import ServiceClient
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.passthrough import created_id, passthrough
from trainyard_common.api.clients import (
    ClientCreate,
    ClientList,
    ClientPublic,
    ClientUpdate,
    IndustryList,
    LearnerList,
)
from trainyard_common.http.errors import ErrorBody

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such client."}}


def add_client_routes(router: APIRouter, directory: ServiceClient) -> None:
    @router.get("/industries", tags=["clients"], response_model=None, responses={200: {"model": IndustryList}})
    async def industries() -> Response:
        """The industry pick list."""
        return passthrough(await directory.call("GET", "/v1/industries"))

    @router.post(
        "/clients",
        status_code=201,
        tags=["clients"],
        response_model=None,
        responses={201: {"model": ClientPublic}, 409: {"model": ErrorBody}},
    )
    async def create_client(body: ClientCreate, request: Request) -> Response:
        """Create a client; a leading `@` on a domain is accepted."""
        reply = await directory.call("POST", "/v1/clients", body=body.model_dump(mode="json"))
        if (client_id := created_id(reply)) is not None:
            set_audit_target(request, "client", client_id)
        return passthrough(reply)

    @router.get("/clients", tags=["clients"], response_model=None, responses={200: {"model": ClientList}})
    async def list_clients(
        search: str | None = None,
        industry: str | None = None,
        active: bool | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        """Clients matching `search` (name, domain or alias), `industry` and `active`."""
        params = {"search": search, "industry": industry, "active": active, "limit": limit, "offset": offset}
        return passthrough(await directory.call("GET", "/v1/clients", params=params))

    @router.get(
        "/clients/{id}", tags=["clients"], response_model=None, responses={200: {"model": ClientPublic}, **NOT_FOUND}
    )
    async def get_client(id: uuid.UUID) -> Response:
        return passthrough(await directory.call("GET", f"/v1/clients/{id}"))

    @router.patch(
        "/clients/{id}",
        tags=["clients"],
        response_model=None,
        responses={200: {"model": ClientPublic}, 409: {"model": ErrorBody}, **NOT_FOUND},
    )
    async def change_client(id: uuid.UUID, body: ClientUpdate, request: Request) -> Response:
        """Change name, industry, domains, aliases or `active`; a domain of another active client is a 409."""
        set_audit_target(request, "client", id)
        return passthrough(
            await directory.call("PATCH", f"/v1/clients/{id}", body=body.model_dump(mode="json", exclude_unset=True))
        )

    @router.get(
        "/clients/{id}/learners",
        tags=["clients"],
        response_model=None,
        responses={200: {"model": LearnerList}, **NOT_FOUND},
    )
    async def client_learners(id: uuid.UUID, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Learners mapped to the client, with how (domain, alias, class, manual)."""
        params = {"limit": limit, "offset": offset}
        return passthrough(await directory.call("GET", f"/v1/clients/{id}/learners", params=params))
