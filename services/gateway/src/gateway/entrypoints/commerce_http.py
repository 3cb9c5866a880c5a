"""Products, orders, access and registration codes: passed through to commerce-access's
internal API (/v1/...). The learner's side (checkout, redeeming a code) is in ``learner_http``."""

from gateway.entrypoints.contract import PAGE, Audit, Passthrough, query, serve
from gateway.entrypoints.security import admin_router
from trainyard_common.api.commerce import (
    AccessList,
    AccessPublic,
    AccessUpdate,
    AssignmentCreate,
    OrderList,
    OrderPublic,
    ProductCreate,
    ProductList,
    ProductPublic,
    ProductUpdate,
    RegistrationCodeStateList,
    RegistrationCodeUserList,
)
from trainyard_common.http.deps import Limit, Offset

router = admin_router(tags=["commerce"])
NOT_FOUND: dict[int, str | None] = {404: None}
CONFLICT: dict[int, str | None] = {409: None}

# fmt: off
ROUTES = (
    Passthrough("POST", "/products", "create_product", "commerce_access", "/v1/products",
                body=ProductCreate, response=ProductPublic, status=201, audit=Audit("product"),
                doc="A product with its prices; each price gets a `price_id`."),
    Passthrough("GET", "/products", "list_products", "commerce_access", "/v1/products",
                query=PAGE, response=ProductList),
    Passthrough("GET", "/products/{id}", "get_product", "commerce_access", "/v1/products/{id}",
                response=ProductPublic, errors=NOT_FOUND),
    Passthrough("PATCH", "/products/{id}", "change_product", "commerce_access", "/v1/products/{id}",
                body=ProductUpdate, exclude_unset=True, response=ProductPublic, errors=NOT_FOUND,
                doc="Rename, or change the access duration (`access_days: null` = unlimited). A new duration\n"
                    "applies to later purchases only: access already granted keeps its dates."),
    Passthrough("POST", "/customers/{id}/product-assignments", "assign_product", "commerce_access",
                "/v1/customers/{id}/product-assignments",
                body=AssignmentCreate, response=OrderPublic, status=201, errors=CONFLICT,
                audit=Audit("customer", param="id"),
                doc="A completed zero-dollar order and immediate access (the customer gets the confirmation e-mail)."),
    Passthrough("GET", "/customers/{id}/orders", "customer_orders", "commerce_access", "/v1/customers/{id}/orders",
                query=PAGE, response=OrderList),
    Passthrough("GET", "/orders/{id}", "order_details", "commerce_access", "/v1/orders/{id}",
                response=OrderPublic, errors=NOT_FOUND),
    Passthrough("GET", "/customers/{id}/access", "customer_access", "commerce_access", "/v1/customers/{id}/access",
                query=(query("limit", Limit, 100), query("offset", Offset, 0)), response=AccessList,
                doc="Every access row, history included (revoked and expired rows too)."),
    Passthrough("PATCH", "/access/{id}", "change_access", "commerce_access", "/v1/access/{id}",
                body=AccessUpdate, response=AccessPublic, errors={**NOT_FOUND, **CONFLICT},
                audit=Audit("access", param="id"), doc="New `starts_on` / `ends_on` (null: unlimited)."),
    Passthrough("GET", "/customers/{id}/registration-code-users", "registration_code_users", "commerce_access",
                "/v1/customers/{id}/registration-code-users",
                response=RegistrationCodeUserList,
                doc="Who redeemed the customer's codes (pending invitations are not listed)."),
    Passthrough("GET", "/customers/{id}/registration-codes", "registration_codes", "commerce_access",
                "/v1/customers/{id}/registration-codes",
                response=RegistrationCodeStateList,
                doc="Each code the customer bought: `available`, `pending_invite` (to whom, since when) or\n"
                    "`redeemed` (by whom, when)."),
    Passthrough("DELETE", "/registration-codes/{code}/redemption", "remove_redemption", "commerce_access",
                "/v1/registration-codes/{code}/redemption",
                response=AccessPublic, errors={**NOT_FOUND, **CONFLICT}, audit=Audit("registration_code", param="code"),
                doc="The user's access is revoked; the code returns to the purchaser."),
)
# fmt: on
serve(router, ROUTES)
