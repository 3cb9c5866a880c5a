"""LMS integrations: POST and GET /api/v1/admin/integrations, DELETE
/api/v1/admin/integrations/{client_id}. Creating and revoking take the `admin` role (the guard
refuses viewers' writes) and are audited; no integration token reaches these routes (no scope).

POST /api/v1/integrations/customer-keys: an LMS integration holding ``personal-data:read`` gets the
keys of the customers whose sealed personal fields it received in events (customer-account's
batch lookup, answered as is: destroyed ids listed, with no key). Admins are refused: keys are for
machines that subscribe to the events; an admin reads personal data through the admin API, where
each read is audited per customer. Audited under ``integration:<name>`` (the ids, never a key).
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from gateway.domain.admins import Principal
from gateway.domain.integrations import Integration, Scope
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.auth_http import HashGate
from gateway.entrypoints.deps import Passwords, Services, UnitOfWork
from gateway.entrypoints.errors import AUTH_RESPONSES, ERROR_RESPONSES, HASHING_RESPONSES
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.paths import INTEGRATIONS
from gateway.entrypoints.schemas import IntegrationCreate, IntegrationCreated, IntegrationList, IntegrationPublic
from gateway.entrypoints.security import Admin as Acting
from gateway.entrypoints.security import admin_router, needs
from gateway.service_layer.integrations import (
    CreateIntegration,
    create_integration,
    list_integrations,
    revoke_integration,
)
from trainyard_common.api.customers import CustomerKeyLookup, CustomerKeyLookupAnswer
from trainyard_common.http.errors import ErrorBody, Forbidden

router = admin_router(tags=["integrations"])


async def integration_only(principal: Acting) -> Principal:
    """An integration's token (its scope checked by the guard); an admin's is refused."""
    if principal.integration is None:
        raise Forbidden(
            "Customer keys are for LMS integrations holding the `personal-data:read` scope; "
            "admins read personal data through the admin API.",
            code="integration_only",
        )
    return principal


subscriber_router = APIRouter(
    prefix=INTEGRATIONS,
    tags=["integrations"],
    dependencies=[Depends(integration_only)],
    responses={**AUTH_RESPONSES, **ERROR_RESPONSES},
)
KEY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": CustomerKeyLookupAnswer},
    403: {
        "model": ErrorBody,
        "description": "An admin's token (`integration_only`), or an integration without `personal-data:read` "
        "(`insufficient_scope`).",
    },
}


@subscriber_router.post(
    "/customer-keys",
    response_model=CustomerKeyLookupAnswer,
    responses=KEY_RESPONSES,
    openapi_extra=needs(Scope.PERSONAL_DATA_READ),
)
async def customer_keys(body: CustomerKeyLookup, request: Request, services: Services) -> Response:
    """The keys of up to 1,000 customers (`personal-data:read`, integrations only): each id is in
    `keys` (base64url AES-256 key), `destroyed` (erased or deleted: no key, ever again) or `unknown`.
    Cache them no longer than a few minutes, and drop a key when its customer is erased."""
    ids = list(dict.fromkeys(body.customer_ids))
    set_audit_target(request, "customers", ",".join(map(str, ids)))
    reply = await services.customer_account.call(
        "POST", "/v1/customer-keys/lookup", body={"customer_ids": [str(i) for i in ids]}
    )
    return passthrough(reply)


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
