"""Customers and customer imports: passed through to customer-account's internal API (/v1/...).

The customer's page, the GDPR export and impersonation span services: ``customer_views_http``.
"""

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response

from gateway.domain.integrations import Scope
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.contract import PAGE, Audit, Csv, Passthrough, query, serve
from gateway.entrypoints.deps import Services
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import admin_router
from trainyard_common.api.clients import LearnerClientChange, LearnerClientPublic
from trainyard_common.api.customers import (
    ActivityList,
    CodeUsersGroup,
    CodeUsersGrouped,
    CustomerCreate,
    CustomerCreated,
    CustomerDetails,
    CustomerList,
    CustomerUpdate,
    DeletionAccepted,
    DeletionStatus,
    ErasureStatus,
    GroupsSet,
    ImportJson,
    ImportResult,
    LoginHistoryList,
    OrderHistoryList,
    PasswordLinkSent,
    PasswordRulesChange,
    StatusChange,
    TaxExemption,
)
from trainyard_common.http.errors import ErrorBody

router = admin_router(tags=["customers"])
NOT_FOUND = {404: "No such customer."}
CUSTOMER = Audit("customer", param="id")
IMPORT_TIMEOUT_SECONDS = 900.0  # 100,000 rows take about a minute; the service streams them
SEARCH = query("search", Annotated[str | None, Query(max_length=200)])
STATUS = query("status", Literal["active", "inactive", "locked"] | None)

# fmt: off
ROUTES = (
    Passthrough("POST", "/customers", "create_customer", "customer_account", "/v1/customers",
                body=CustomerCreate, response=CustomerCreated, status=201, errors={409: "`email_taken`"},
                audit=Audit("customer"),
                doc="Create a customer; a blank password is generated and shown once (`generated_password`)."),
    Passthrough("GET", "/customers", "list_customers", "customer_account", "/v1/customers",
                query=(SEARCH, STATUS, query("group_id", uuid.UUID | None), query("client_id", uuid.UUID | None),
                       *PAGE),
                response=CustomerList, scope=Scope.CUSTOMERS_READ,
                doc="Customers matching `search` (name, e-mail, organisation), `status`, `group_id` and `client_id`."),
    Passthrough("PATCH", "/customers/{id}", "edit_customer", "customer_account", "/v1/customers/{id}",
                body=CustomerUpdate, exclude_unset=True, response=CustomerDetails, errors={409: None, **NOT_FOUND},
                audit=CUSTOMER, doc="Edit the profile, e-mail included (CustomerProfileUpdated)."),
    Passthrough("PUT", "/customers/{id}/status", "set_status", "customer_account", "/v1/customers/{id}/status",
                body=StatusChange, response=CustomerDetails, errors=NOT_FOUND, audit=CUSTOMER,
                doc="Active, inactive or locked; inactive and locked end the customer's sessions at once."),
    Passthrough("PUT", "/customers/{id}/password", "set_password", "customer_account", "/v1/customers/{id}/password",
                body=PasswordRulesChange, exclude_unset=True, response=CustomerDetails, errors=NOT_FOUND,
                audit=CUSTOMER,
                doc="A new password, an expiration rule (`expires_in_days`, null: never) and/or `require_change`."),
    Passthrough("POST", "/customers/{id}/password-link", "send_password_link", "customer_account",
                "/v1/customers/{id}/password-link",
                response=PasswordLinkSent, status=202,
                errors={409: "`customer_erased`, `deletion_pending` or `customer_not_active`", **NOT_FOUND},
                audit=CUSTOMER,
                doc="E-mail the customer a one-time link to set their password; older unused links stop working."),
    Passthrough("PUT", "/customers/{id}/tax-exemption", "set_tax_exemption", "customer_account",
                "/v1/customers/{id}/tax-exemption",
                body=TaxExemption, response=CustomerDetails, errors=NOT_FOUND, audit=CUSTOMER),
    Passthrough("PUT", "/customers/{id}/client", "set_customer_client", "client_directory",
                "/v1/customers/{id}/client",
                body=LearnerClientChange, response=LearnerClientPublic, scope=Scope.CLIENTS_ASSIGN,
                errors={409: "`learner_pending` (registration not arrived yet: retry)", 404: "Deleted customer.",
                        422: "No such or inactive client."},
                audit=CUSTOMER,
                doc="Assign one learner to any active client outside any class (reason `manual`); null removes it."),
    Passthrough("PUT", "/customers/{id}/groups", "set_groups", "customer_account", "/v1/customers/{id}/groups",
                body=GroupsSet, response=CustomerDetails, errors=NOT_FOUND, audit=CUSTOMER,
                doc="The customer's groups, as a whole (CustomerGroupsChanged)."),
    Passthrough("GET", "/customers/{id}/login-history", "login_history", "customer_account",
                "/v1/customers/{id}/login-history",
                query=PAGE, response=LoginHistoryList, errors=NOT_FOUND,
                doc="Time and IP of each sign-in, failures marked, newest first."),
    Passthrough("GET", "/customers/{id}/activity-log", "activity_log", "customer_account",
                "/v1/customers/{id}/activity-log",
                query=PAGE, response=ActivityList, errors=NOT_FOUND,
                doc="Time, type and actor of each change (an admin impersonating is named, and marked)."),
    Passthrough("GET", "/customers/{id}/order-history", "order_history", "customer_account",
                "/v1/customers/{id}/order-history",
                query=PAGE, response=OrderHistoryList,
                doc="Orders completed for the customer, as customer-account heard of them (OrderCompleted)."),
    Passthrough("POST", "/customers/{id}/erasure", "erase", "customer_account", "/v1/customers/{id}/erasure",
                response=ErasureStatus, status=202,
                errors={409: "`customer_not_inactive` (or `already_erased`)", **NOT_FOUND}, audit=CUSTOMER,
                doc="Right to be forgotten: irreversible, inactive customers only; every service confirms."),
    Passthrough("GET", "/customers/{id}/erasure", "erasure_certificate", "customer_account",
                "/v1/customers/{id}/erasure",
                response=ErasureStatus, errors=NOT_FOUND,
                doc="The certificate of erasure: which services have confirmed, when, and what each removed "
                    "or anonymised; and when the customer's key was destroyed (`key_destroyed_at`)."),
    Passthrough("GET", "/customers/{id}/deletion", "deletion_status", "customer_account",
                "/v1/customers/{id}/deletion",
                response=DeletionStatus, errors={404: "No deletion was requested for this customer."},
                doc="The latest deletion request: `pending` while commerce-access decides, `refused` with the "
                    "reason (`has_orders`, `has_access`), or `done` (the customer is gone; this record stays)."),
    Passthrough("GET", "/customer-imports/template", "import_template", "customer_account",
                "/v1/customer-imports/template", response=Csv("The CSV header to fill in.")),
    Passthrough("GET", "/customer-imports/{id}", "customer_import", "customer_account", "/v1/customer-imports/{id}",
                response=ImportResult, errors={404: "No such customer import."},
                doc="An import's result as it completes: a row whose Price ID commerce-access refused becomes a "
                    "row error (the customer row stays imported); `settled` once every Price ID is answered."),
)
# fmt: on
serve(router, ROUTES)


@router.delete(
    "/customers/{id}",
    status_code=202,
    response_model=None,
    responses={
        202: {
            "model": DeletionAccepted,
            "description": "Pending: commerce-access decides; `Location` is where the outcome shows.",
            "headers": {
                "Location": {"description": "`/api/v1/admin/customers/{id}/deletion`", "schema": {"type": "string"}}
            },
        },
        409: {"model": ErrorBody, "description": "`customer_has_orders` / `customer_has_access`"},
        404: {"model": ErrorBody, "description": NOT_FOUND[404]},
    },
)
async def delete_customer(id: uuid.UUID, request: Request, services: Services) -> Response:
    """Ask for the deletion of a customer: refused at once (409) when customer-account already knows of
    orders or access; otherwise the customer can no longer sign in or buy, and commerce-access, which
    owns orders and access, decides. Asked again while pending: the same request."""
    set_audit_target(request, "customer", id)
    reply = await services.customer_account.call("DELETE", f"/v1/customers/{id}")
    response = passthrough(reply)
    if reply.status_code == 202:
        response.headers["Location"] = f"/api/v1/admin/customers/{id}/deletion"
    return response


IMPORT_BODY = {
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
}


@router.post(
    "/customer-imports",
    response_model=None,
    openapi_extra=IMPORT_BODY,
    responses={
        200: {"model": ImportResult},
        413: {"model": ErrorBody, "description": "More rows than the configured maximum."},
    },
)
async def import_customers(request: Request, services: Services) -> Response:
    """A CSV upload (multipart field `file`, the template's columns) or `{rows: [...]}`, with the
    options; valid rows are created, invalid ones reported with their reason."""
    reply = await services.customer_account.call(
        "POST",
        "/v1/customer-imports",
        content=request.stream(),  # streamed through: the file may be large
        content_type=request.headers.get("content-type", "application/octet-stream"),
        timeout_seconds=IMPORT_TIMEOUT_SECONDS,
    )
    if reply.status_code == 200:
        set_audit_target(request, "customer_import", reply.json().get("import_id"))
    return passthrough(reply)


@router.post(
    "/customers/{id}/registration-code-users/group",
    response_model=None,
    responses={
        200: {"model": CodeUsersGrouped},
        404: {"model": ErrorBody, "description": NOT_FOUND[404]},
        422: {"model": ErrorBody, "description": "`unknown_group`"},
        503: {"model": ErrorBody, "description": "commerce-access could not list the code users: nobody joined."},
    },
)
async def group_code_users(id: uuid.UUID, body: CodeUsersGroup, request: Request, services: Services) -> Response:
    """The customer and every user of their registration codes (those listed under Registration
    Code Users: commerce-access owns the codes) join the group. The gateway reads the code users as
    it does for that list and hands them to customer-account, which owns groups and adds everyone
    in one transaction (CustomerGroupsChanged for each who joined)."""
    set_audit_target(request, "customer", id)
    users = await services.commerce_access.call("GET", f"/v1/customers/{id}/registration-code-users")
    if users.status_code != 200:
        return passthrough(users)
    user_ids = list(dict.fromkeys(str(item["customer_id"]) for item in users.json()["items"]))
    payload = {"group_id": str(body.group_id), "user_ids": user_ids}
    return passthrough(
        await services.customer_account.call("POST", f"/v1/customers/{id}/registration-code-users/group", body=payload)
    )
