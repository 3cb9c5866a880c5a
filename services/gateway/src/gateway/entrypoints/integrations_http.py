"""LMS integrations: POST and GET /api/v1/admin/integrations, DELETE
/api/v1/admin/integrations/{client_id}. Creating and revoking take the `admin` role (the guard
refuses viewers' writes) and are audited; no integration token reaches these routes (no scope)."""

from datetime import UTC, datetime

from fastapi import Path, Request, Response

from gateway.domain.integrations import Integration
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.auth_http import HashGate
from gateway.entrypoints.deps import Passwords, UnitOfWork
from gateway.entrypoints.errors import HASHING_RESPONSES
from gateway.entrypoints.schemas import IntegrationCreate, IntegrationCreated, IntegrationList, IntegrationPublic
from gateway.entrypoints.security import Admin as Acting
from gateway.entrypoints.security import admin_router
from gateway.service_layer.integrations import (
    CreateIntegration,
    create_integration,
    list_integrations,
    revoke_integration,
)
from trainyard_common.http.errors import ErrorBody

router = admin_router(tags=["integrations"])


@router.post("/integrations", status_code=201, responses={409: {"model": ErrorBody}, **HASHING_RESPONSES})
async def create(
    *, body: IntegrationCreate, request: Request, uow: UnitOfWork, passwords: Passwords, gate: HashGate, actor: Acting
) -> IntegrationCreated:
    """Create an LMS integration's client credentials (admins only). The `client_secret` is in
    this answer only; store it now. 409 `integration_name_taken` when an active one has the name."""
    async with uow:
        created = await create_integration(
            uow, CreateIntegration(body.name, body.scopes, created_by=actor.username), passwords=passwords, gate=gate
        )
    set_audit_target(request, "integration", created.integration.name)
    return IntegrationCreated(**_public(created.integration).model_dump(), client_secret=created.client_secret)


@router.get("/integrations")
async def list_all(uow: UnitOfWork) -> IntegrationList:
    """The active integrations (never their secrets)."""
    async with uow:
        integrations = await list_integrations(uow)
    return IntegrationList(items=[_public(integration) for integration in integrations])


@router.delete(
    "/integrations/{client_id}", status_code=204, response_class=Response, responses={404: {"model": ErrorBody}}
)
async def revoke(
    client_id: str = Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"), *, request: Request, uow: UnitOfWork
) -> Response:
    """Revoke an integration: its tokens are refused from the next request on."""
    set_audit_target(request, "integration-client", client_id)
    async with uow:
        revoked = await revoke_integration(uow, client_id, now=datetime.now(UTC))
    set_audit_target(request, "integration", revoked.name)
    return Response(status_code=204)


def _public(integration: Integration) -> IntegrationPublic:
    return IntegrationPublic(
        client_id=integration.client_id,
        name=integration.name,
        scopes=sorted(scope.value for scope in integration.scopes),
        created_at=integration.created_at,
        created_by=integration.created_by,
    )
