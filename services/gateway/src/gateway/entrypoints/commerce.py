"""Products, orders, access and registration codes, passed through to commerce-access's internal
API (/v1/...): the admin routes on the guarded admin router, the learner's on the learner router
(the signed-in learner's id goes into the internal path)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from gateway.adapters.services import ServiceClient, Services
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.learner_auth import LearnerIdentity, learner_guard
from gateway.entrypoints.passthrough import created_id, passthrough
from trainyard_common.api.commerce import (
    AccessList,
    AccessPublic,
    AccessUpdate,
    AssignmentCreate,
    CheckoutCreate,
    OrderList,
    OrderPublic,
    ProductCreate,
    ProductList,
    ProductPublic,
    ProductUpdate,
    Redemption,
    RegistrationCodeUserList,
)
from trainyard_common.http.errors import ErrorBody

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key when retrying: the order is created once and the retry answers 200 with it.",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorBody}}


def add_commerce_admin_routes(router: APIRouter, commerce: ServiceClient) -> None:
    @router.post("/products", status_code=201, tags=["commerce"], response_model=None,
                 responses={201: {"model": ProductPublic}})  # fmt: skip
    async def create_product(body: ProductCreate, request: Request) -> Response:
        """A product with its prices; each price gets a `price_id`."""
        reply = await commerce.call("POST", "/v1/products", body=body.model_dump(mode="json"))
        if (product_id := created_id(reply)) is not None:
            set_audit_target(request, "product", product_id)
        return passthrough(reply)

    @router.get("/products", tags=["commerce"], response_model=None, responses={200: {"model": ProductList}})
    async def list_products(limit: Limit = 50, offset: Offset = 0) -> Response:
        return passthrough(await commerce.call("GET", "/v1/products", params={"limit": limit, "offset": offset}))

    @router.get("/products/{id}", tags=["commerce"], response_model=None,
                responses={200: {"model": ProductPublic}, **NOT_FOUND})  # fmt: skip
    async def get_product(id: uuid.UUID) -> Response:
        return passthrough(await commerce.call("GET", f"/v1/products/{id}"))

    @router.patch("/products/{id}", tags=["commerce"], response_model=None,
                  responses={200: {"model": ProductPublic}, **NOT_FOUND})  # fmt: skip
    async def change_product(id: uuid.UUID, body: ProductUpdate) -> Response:
        """Rename, or change the access duration (`access_days: null` = unlimited). A new duration
        applies to later purchases only: access already granted keeps its dates."""
        changes = body.model_dump(mode="json", exclude_unset=True)
        return passthrough(await commerce.call("PATCH", f"/v1/products/{id}", body=changes))

    @router.post("/customers/{id}/product-assignments", status_code=201, tags=["commerce"], response_model=None,
                 responses={201: {"model": OrderPublic}, **CONFLICT})  # fmt: skip
    async def assign_product(id: uuid.UUID, body: AssignmentCreate, request: Request) -> Response:
        """A completed zero-dollar order and immediate access (the customer gets the confirmation e-mail)."""
        set_audit_target(request, "customer", id)
        path = f"/v1/customers/{id}/product-assignments"
        return passthrough(await commerce.call("POST", path, body=body.model_dump(mode="json")))

    @router.get("/customers/{id}/orders", tags=["commerce"], response_model=None, responses={200: {"model": OrderList}})
    async def customer_orders(id: uuid.UUID, limit: Limit = 50, offset: Offset = 0) -> Response:
        params = {"limit": limit, "offset": offset}
        return passthrough(await commerce.call("GET", f"/v1/customers/{id}/orders", params=params))

    @router.get("/orders/{id}", tags=["commerce"], response_model=None,
                responses={200: {"model": OrderPublic}, **NOT_FOUND})  # fmt: skip
    async def order_details(id: uuid.UUID) -> Response:
        return passthrough(await commerce.call("GET", f"/v1/orders/{id}"))

    @router.get(
        "/customers/{id}/access", tags=["commerce"], response_model=None, responses={200: {"model": AccessList}}
    )
    async def customer_access(id: uuid.UUID, limit: Limit = 100, offset: Offset = 0) -> Response:
        """Every access row, history included (revoked and expired rows too)."""
        params = {"limit": limit, "offset": offset}
        return passthrough(await commerce.call("GET", f"/v1/customers/{id}/access", params=params))

    @router.patch("/access/{id}", tags=["commerce"], response_model=None,
                  responses={200: {"model": AccessPublic}, **NOT_FOUND, **CONFLICT})  # fmt: skip
    async def change_access(id: uuid.UUID, body: AccessUpdate, request: Request) -> Response:
        """New `starts_on` / `ends_on` (null: unlimited)."""
        set_audit_target(request, "access", id)
        return passthrough(await commerce.call("PATCH", f"/v1/access/{id}", body=body.model_dump(mode="json")))

    @router.get("/customers/{id}/registration-code-users", tags=["commerce"], response_model=None,
                responses={200: {"model": RegistrationCodeUserList}})  # fmt: skip
    async def registration_code_users(id: uuid.UUID) -> Response:
        """Who redeemed the customer's codes (pending invitations are not listed)."""
        return passthrough(await commerce.call("GET", f"/v1/customers/{id}/registration-code-users"))

    @router.delete("/registration-codes/{code}/redemption", tags=["commerce"], response_model=None,
                   responses={200: {"model": AccessPublic}, **NOT_FOUND, **CONFLICT})  # fmt: skip
    async def remove_redemption(code: Code, request: Request) -> Response:
        """The user's access is revoked; the code returns to the purchaser."""
        set_audit_target(request, "registration_code", code)
        return passthrough(await commerce.call("DELETE", f"/v1/registration-codes/{code}/redemption"))


def add_commerce_learner_routes(router: APIRouter, commerce: ServiceClient, accounts: ServiceClient) -> None:
    Learner = Annotated[LearnerIdentity, Depends(learner_guard(accounts))]  # noqa: N806 (a type alias)

    @router.post("/orders", status_code=201, response_model=None,
                 responses={201: {"model": OrderPublic}, 200: {"model": OrderPublic}, **CONFLICT})  # fmt: skip
    async def checkout(body: CheckoutCreate, learner: Learner, key: IdempotencyKey = None) -> Response:
        """Buy `quantity` seats at `price_id`; more than one issues registration codes."""
        payload = {**body.model_dump(mode="json"), "idempotency_key": key or body.idempotency_key}
        return passthrough(await commerce.call("POST", f"/v1/learners/{learner.customer_id}/orders", body=payload))

    @router.post("/registration-codes/{code}/redeem", status_code=201, response_model=None,
                 responses={201: {"model": Redemption}, **NOT_FOUND, **CONFLICT})  # fmt: skip
    async def redeem(code: Code, learner: Learner) -> Response:
        """The signed-in learner takes a seat; 409 when someone else holds the code."""
        path = f"/v1/learners/{learner.customer_id}/registration-codes/{code}/redeem"
        return passthrough(await commerce.call("POST", path))


def add_commerce_routes(*, admin: APIRouter, learner: APIRouter, services: Services) -> None:
    add_commerce_admin_routes(admin, services.commerce_access)
    add_commerce_learner_routes(learner, services.commerce_access, services.customer_account)
