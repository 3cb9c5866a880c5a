"""Admin views of one customer that span services: the details page, the GDPR export, and
impersonation (a learner token for an admin, issued by customer-account and recorded there)."""

import uuid
from datetime import date
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from gateway.domain.integrations import Scope
from gateway.domain.tokens import hash_token
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.customer_views import CustomerDetails, ImpersonationToken
from gateway.entrypoints.deps import Services, Settings
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import Admin, BearerToken, admin_router, needs
from gateway.service_layer.customer_views import CustomerViews
from gateway.service_layer.gdpr_export import collect_export, zip_stream
from trainyard_common.http.errors import ErrorBody

router = admin_router(tags=["customers"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such customer."}}
EXPORT_TIMEOUT_SECONDS = 10.0  # at least: every service gathers its whole part


@router.get(
    "/customers/{id}",
    response_model=None,
    responses={200: {"model": CustomerDetails}, **NOT_FOUND},
    openapi_extra=needs(Scope.CUSTOMERS_READ),
)
async def customer_details(id: uuid.UUID, request: Request) -> Response:
    """The customer's page, from the gateway's customer view (kept from the services' events):
    each section is the last answer of its service, `as_of` when it was read; a service that is
    down leaves its last answer in place. A section the view does not hold yet is read live; one
    that cannot be read says `available: false` (and `as_of: null`); the page still answers 200."""
    views: CustomerViews = request.app.state.customer_views
    return Response(await views.page(id), media_type="application/json")


@router.get(
    "/customers/{id}/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "A zip of CSV files."},
        **NOT_FOUND,
        503: {"model": ErrorBody, "description": "A service could not give its part; nothing is sent."},
    },
)
async def gdpr_export(id: uuid.UUID, services: Services, settings: Settings) -> StreamingResponse:
    """Everything the platform holds about the customer (GDPR), one CSV per kind of data."""
    timeout_seconds = max(settings.section_timeout_seconds, EXPORT_TIMEOUT_SECONDS)
    files = await collect_export(services, id, timeout_seconds=timeout_seconds)
    filename = f"customer-{id}-{date.today().isoformat()}.zip"
    return StreamingResponse(
        zip_stream(files),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/customers/{id}/impersonation",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": ImpersonationToken},
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "The customer may not sign in (inactive, locked or erased)."},
    },
)
async def impersonate(
    id: uuid.UUID, request: Request, admin: Admin, credentials: BearerToken, services: Services
) -> Response:
    """A short-lived learner token acting as the customer (admins only). customer-account records
    its start, everything done with it, and its end in the customer's activity log, as done by
    this admin; it ends when the admin's own token does (sign-out, revocation, expiry, a
    disabled admin): the learner guard checks that token on every request."""
    set_audit_target(request, "customer", id)
    assert credentials is not None  # the admin guard let the request in
    body = {"admin": admin.username, "admin_token": hash_token(credentials.credentials)}
    return passthrough(await services.customer_account.call("POST", f"/v1/customers/{id}/impersonations", body=body))
