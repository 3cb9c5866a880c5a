"""Customers, groups and customer imports, passed through to customer-account's internal API
(/v1/...). The aggregated details page, the GDPR export and impersonation are in
``customer_views`` (they span services)."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from gateway.adapters.services import ServiceClient
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.passthrough import created_id, passthrough
from trainyard_common.api.customers import (
    ActivityList,
    CustomerCreate,
    CustomerCreated,
    CustomerDetails,
    CustomerList,
    CustomerUpdate,
    ErasureStatus,
    GroupCreate,
    GroupList,
    GroupPublic,
    GroupsSet,
    ImportJson,
    ImportResult,
    LoginHistoryList,
    OrderHistoryList,
    PasswordRulesChange,
    StatusChange,
    TaxExemption,
)
from trainyard_common.http.errors import ErrorBody

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such customer."}}
IMPORT_TIMEOUT_SECONDS = 900.0  # 100,000 rows take about a minute; the service streams them


def add_customer_routes(router: APIRouter, accounts: ServiceClient) -> None:
    _accounts(router, accounts)
    _records(router, accounts)
    _groups_and_imports(router, accounts)


def _accounts(router: APIRouter, accounts: ServiceClient) -> None:
    @router.post(
        "/customers",
        status_code=201,
        tags=["customers"],
        response_model=None,
        responses={201: {"model": CustomerCreated}, 409: {"model": ErrorBody, "description": "`email_taken`"}},
    )
    async def create_customer(body: CustomerCreate, request: Request) -> Response:
        """Create a customer; a blank password is generated and shown once (`generated_password`)."""
        reply = await accounts.call("POST", "/v1/customers", body=body.model_dump(mode="json"))
        if (customer_id := created_id(reply)) is not None:
            set_audit_target(request, "customer", customer_id)
        return passthrough(reply)

    @router.get("/customers", tags=["customers"], response_model=None, responses={200: {"model": CustomerList}})
    async def list_customers(
        *,
        search: Annotated[str | None, Query(max_length=200)] = None,
        status: Literal["active", "inactive", "locked"] | None = None,
        group_id: uuid.UUID | None = None,
        client_id: uuid.UUID | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        """Customers matching `search` (name, e-mail, organisation), `status`, `group_id` and `client_id`."""
        params = {"search": search, "status": status, "group_id": group_id, "client_id": client_id}
        return passthrough(
            await accounts.call("GET", "/v1/customers", params={**params, "limit": limit, "offset": offset})
        )

    @router.patch(
        "/customers/{id}",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, 409: {"model": ErrorBody}, **NOT_FOUND},
    )
    async def edit_customer(id: uuid.UUID, body: CustomerUpdate, request: Request) -> Response:
        """Edit the profile, e-mail included (CustomerProfileUpdated)."""
        set_audit_target(request, "customer", id)
        return passthrough(
            await accounts.call("PATCH", f"/v1/customers/{id}", body=body.model_dump(mode="json", exclude_unset=True))
        )

    @router.put(
        "/customers/{id}/status",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, **NOT_FOUND},
    )
    async def set_status(id: uuid.UUID, body: StatusChange, request: Request) -> Response:
        """Active, inactive or locked; inactive and locked end the customer's sessions at once."""
        set_audit_target(request, "customer", id)
        return passthrough(await accounts.call("PUT", f"/v1/customers/{id}/status", body=body.model_dump()))

    @router.put(
        "/customers/{id}/password",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, **NOT_FOUND},
    )
    async def set_password(id: uuid.UUID, body: PasswordRulesChange, request: Request) -> Response:
        """A new password, an expiration rule (`expires_in_days`, null: never) and/or `require_change`."""
        set_audit_target(request, "customer", id)
        payload = body.model_dump(exclude_unset=True)
        return passthrough(await accounts.call("PUT", f"/v1/customers/{id}/password", body=payload))

    @router.put(
        "/customers/{id}/tax-exemption",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, **NOT_FOUND},
    )
    async def set_tax_exemption(id: uuid.UUID, body: TaxExemption, request: Request) -> Response:
        set_audit_target(request, "customer", id)
        return passthrough(await accounts.call("PUT", f"/v1/customers/{id}/tax-exemption", body=body.model_dump()))

    @router.put(
        "/customers/{id}/groups",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": CustomerDetails}, **NOT_FOUND},
    )
    async def set_groups(id: uuid.UUID, body: GroupsSet, request: Request) -> Response:
        """The customer's groups, as a whole (CustomerGroupsChanged)."""
        set_audit_target(request, "customer", id)
        return passthrough(await accounts.call("PUT", f"/v1/customers/{id}/groups", body=body.model_dump(mode="json")))


def _records(router: APIRouter, accounts: ServiceClient) -> None:
    @router.get(
        "/customers/{id}/login-history",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": LoginHistoryList}, **NOT_FOUND},
    )
    async def login_history(id: uuid.UUID, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Time and IP of each sign-in, failures marked, newest first."""
        params = {"limit": limit, "offset": offset}
        return passthrough(await accounts.call("GET", f"/v1/customers/{id}/login-history", params=params))

    @router.get(
        "/customers/{id}/activity-log",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": ActivityList}, **NOT_FOUND},
    )
    async def activity_log(id: uuid.UUID, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Time, type and actor of each change (an admin impersonating is named, and marked)."""
        params = {"limit": limit, "offset": offset}
        return passthrough(await accounts.call("GET", f"/v1/customers/{id}/activity-log", params=params))

    @router.get(
        "/customers/{id}/order-history",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": OrderHistoryList}},
    )
    async def order_history(id: uuid.UUID, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Orders completed for the customer, as customer-account heard of them (OrderCompleted)."""
        params = {"limit": limit, "offset": offset}
        return passthrough(await accounts.call("GET", f"/v1/customers/{id}/order-history", params=params))

    @router.post(
        "/customers/{id}/erasure",
        status_code=202,
        tags=["customers"],
        response_model=None,
        responses={
            202: {"model": ErasureStatus},
            409: {"model": ErrorBody, "description": "`customer_not_inactive` (or `already_erased`)"},
            **NOT_FOUND,
        },
    )
    async def erase(id: uuid.UUID, request: Request) -> Response:
        """Right to be forgotten: irreversible, inactive customers only; every service confirms."""
        set_audit_target(request, "customer", id)
        return passthrough(await accounts.call("POST", f"/v1/customers/{id}/erasure"))

    @router.get(
        "/customers/{id}/erasure",
        tags=["customers"],
        response_model=None,
        responses={200: {"model": ErasureStatus}, **NOT_FOUND},
    )
    async def erasure_certificate(id: uuid.UUID) -> Response:
        """The certificate of erasure: which services have confirmed, and when."""
        return passthrough(await accounts.call("GET", f"/v1/customers/{id}/erasure"))

    @router.delete(
        "/customers/{id}",
        status_code=204,
        tags=["customers"],
        response_model=None,
        responses={
            409: {"model": ErrorBody, "description": "`customer_has_orders` / `customer_has_access`"},
            **NOT_FOUND,
        },
    )
    async def delete_customer(id: uuid.UUID, request: Request) -> Response:
        """Delete a customer who has no orders and no access, for good (CustomerDeleted)."""
        set_audit_target(request, "customer", id)
        return passthrough(await accounts.call("DELETE", f"/v1/customers/{id}"))


def _groups_and_imports(router: APIRouter, accounts: ServiceClient) -> None:
    @router.post(
        "/groups",
        status_code=201,
        tags=["groups"],
        response_model=None,
        responses={201: {"model": GroupPublic}, 409: {"model": ErrorBody, "description": "`group_name_taken`"}},
    )
    async def create_group(body: GroupCreate, request: Request) -> Response:
        """A group, optionally with an automation: new or changed customers of `email_domain` join it."""
        reply = await accounts.call("POST", "/v1/groups", body=body.model_dump(mode="json"))
        if (group_id := created_id(reply)) is not None:
            set_audit_target(request, "group", group_id)
        return passthrough(reply)

    @router.get("/groups", tags=["groups"], response_model=None, responses={200: {"model": GroupList}})
    async def list_groups() -> Response:
        return passthrough(await accounts.call("GET", "/v1/groups"))

    @router.get(
        "/customer-imports/template",
        tags=["customers"],
        response_model=None,
        responses={200: {"content": {"text/csv": {}}, "description": "The CSV header to fill in."}},
    )
    async def import_template() -> Response:
        return passthrough(await accounts.call("GET", "/v1/customer-imports/template"))

    @router.post(
        "/customer-imports",
        tags=["customers"],
        response_model=None,
        openapi_extra={
            "requestBody": {
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "require_password_change": {"type": "boolean"},
                                "send_welcome_email": {"type": "boolean"},
                                "email_subject": {"type": "string"},
                                "additional_text": {"type": "string"},
                            },
                        }
                    },
                    "application/json": {"schema": ImportJson.model_json_schema()},
                }
            }
        },
        responses={
            200: {"model": ImportResult},
            413: {"model": ErrorBody, "description": "More rows than the configured maximum."},
        },
    )
    async def import_customers(request: Request) -> Response:
        """A CSV upload (multipart field `file`, the template's columns) or `{rows: [...]}`, with the
        options; valid rows are created, invalid ones reported with their reason."""
        reply = await accounts.call(
            "POST",
            "/v1/customer-imports",
            content=request.stream(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            timeout_seconds=IMPORT_TIMEOUT_SECONDS,
        )
        if reply.status_code == 200:
            set_audit_target(request, "customer_import", reply.json().get("import_id"))
        return passthrough(reply)
