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
from gateway.entrypoints.customer_views import CustomerDetails, ImpersonationToken, SectionPublic
from gateway.entrypoints.deps import Services, Settings
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import Admin, BearerToken, admin_router, needs
from gateway.service_layer.customer_page import Section, customer_page
from gateway.service_layer.gdpr_export import collect_export, zip_stream
from trainyard_common.http.errors import ErrorBody

router = admin_router(tags=["customers"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such customer."}}
EXPORT_TIMEOUT_SECONDS = 10.0  # at least: every service gathers its whole part


@router.get("/customers/{id}", responses=NOT_FOUND, openapi_extra=needs(Scope.CUSTOMERS_READ))
async def customer_details(id: uuid.UUID, services: Services, settings: Settings) -> CustomerDetails:
    """The customer's page, gathered from every service at once; a service that is down leaves
    its section `available: false` and the page still answers 200."""
    page = await customer_page(services, id, timeout_seconds=settings.section_timeout_seconds)
    profile = page.sections["profile"]
    data = profile.data if profile.available and isinstance(profile.data, dict) else {}
    return CustomerDetails(
        customer_id=id,
        deletion=data.get("deletion"),
        deletable=data.get("deletable"),
        not_deletable_reasons=data.get("not_deletable_reasons"),
        **{name: _public(s) for name, s in page.sections.items()},
    )


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


def _public(section: Section) -> SectionPublic:
    return SectionPublic(
        available=section.available, service=section.service, data=section.data, reason=section.unavailable_reason
    )
