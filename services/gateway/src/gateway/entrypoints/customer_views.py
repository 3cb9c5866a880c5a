"""Admin views of one customer that span services: the details page, the GDPR export, and
impersonation (a learner token for an admin, issued by customer-account and recorded there)."""

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gateway.adapters.services import Services
from gateway.domain.admins import Principal
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import PRINCIPAL_STATE
from gateway.service_layer.customer_page import CustomerNotFound, Section, customer_page
from gateway.service_layer.gdpr_export import ExportCustomerNotFound, collect_export, zip_stream
from trainyard_common.http.errors import ErrorBody, NotFound

CUSTOMER_ID_EXAMPLE = "3f1e8f0a-2b6c-4d7e-9a10-5c2b7e4d9f01"


class SectionPublic(BaseModel):
    available: bool = Field(description="False when the service behind this section could not answer.")
    service: str = Field(examples=["commerce-access"])
    data: Any = Field(default=None, description="The service's answer; null when unavailable.")
    reason: str | None = Field(default=None, description="Why the section is unavailable.", examples=["timed out"])


class CustomerDetails(BaseModel):
    customer_id: uuid.UUID = Field(examples=[CUSTOMER_ID_EXAMPLE])
    profile: SectionPublic = Field(description="Profile, status, tax exemption and groups (customer-account).")
    client: SectionPublic = Field(description="The learner's client and how it was assigned (client-directory).")
    orders: SectionPublic = Field(description="Order history (commerce-access).")
    access: SectionPublic = Field(description="Every content access row, history included (commerce-access).")
    transcript: SectionPublic = Field(description="Items, progress, scores and access expiry (training-progress).")


class ImpersonationToken(BaseModel):
    access_token: str = Field(description="A learner token acting as the customer; it names the admin.")
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until it expires.", examples=[900])


def add_customer_view_routes(router: APIRouter, services: Services, *, section_timeout_seconds: float) -> None:
    @router.get(
        "/customers/{id}",
        tags=["customers"],
        responses={404: {"model": ErrorBody, "description": "No such customer."}},
    )
    async def customer_details(id: uuid.UUID) -> CustomerDetails:
        """The customer's page, gathered from every service at once; a service that is down leaves
        its section `available: false` and the page still answers 200."""
        try:
            page = await customer_page(services, id, timeout_seconds=section_timeout_seconds)
        except CustomerNotFound as exc:
            raise NotFound("No such customer.") from exc
        return CustomerDetails(customer_id=id, **{name: _public(s) for name, s in page.sections.items()})

    @router.get(
        "/customers/{id}/export",
        tags=["customers"],
        response_class=StreamingResponse,
        responses={
            200: {"content": {"application/zip": {}}, "description": "A zip of CSV files."},
            404: {"model": ErrorBody, "description": "No such customer."},
            503: {"model": ErrorBody, "description": "A service could not give its part; nothing is sent."},
        },
    )
    async def gdpr_export(id: uuid.UUID) -> StreamingResponse:
        """Everything the platform holds about the customer (GDPR), one CSV per kind of data."""
        try:
            files = await collect_export(services, id, timeout_seconds=max(section_timeout_seconds, 10.0))
        except ExportCustomerNotFound as exc:
            raise NotFound("No such customer.") from exc
        filename = f"customer-{id}-{date.today().isoformat()}.zip"
        return StreamingResponse(
            zip_stream(files),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @router.post(
        "/customers/{id}/impersonation",
        status_code=201,
        tags=["customers"],
        response_model=None,
        responses={
            201: {"model": ImpersonationToken},
            404: {"model": ErrorBody, "description": "No such customer."},
            409: {"model": ErrorBody, "description": "The customer may not sign in (inactive, locked or erased)."},
        },
    )
    async def impersonate(id: uuid.UUID, request: Request) -> Response:
        """A short-lived learner token acting as the customer (admins only). customer-account records
        its start, everything done with it, and its end in the customer's activity log, as done by
        this admin."""
        principal: Principal = getattr(request.state, PRINCIPAL_STATE)
        reply = await services.customer_account.call(
            "POST", f"/v1/customers/{id}/impersonations", body={"admin": principal.username}
        )
        return passthrough(reply)


def _public(section: Section) -> SectionPublic:
    return SectionPublic(
        available=section.available, service=section.service, data=section.data, reason=section.unavailable_reason
    )
