"""commerce-access's HTTP bodies, shared by the service and the gateway (declared once).

Money is ``Decimal`` (a decimal string on the wire), never float; amounts carry at most two
decimals. Dates are ``YYYY-MM-DD``; an ``ends_on`` of null means unlimited access.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from trainyard_common.contracts.common import CurrencyCode, Money, TrainingItemRef

Amount = Annotated[Money, Field(max_digits=12, decimal_places=2)]
"""A price: non-negative, at most two decimals, below ten billion."""

AccessDays = Annotated[int, Field(ge=1, le=36500, description="Days of access from purchase; null: unlimited.")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriceCreate(_Strict):
    amount: Amount = Field(examples=["49.99"])
    currency: CurrencyCode = Field(examples=["USD"])


class ProductCreate(_Strict):
    name: Name = Field(examples=["Data Literacy Essentials"])
    training_item: TrainingItemRef | None = None
    access_days: AccessDays | None = Field(default=None, examples=[365])
    prices: list[PriceCreate] = Field(min_length=1, max_length=20)


class ProductUpdate(_Strict):
    """Name and duration; a new duration applies to later purchases only."""

    name: Name | None = None
    access_days: AccessDays | None = Field(default=None, examples=[180])


class PricePublic(BaseModel):
    price_id: uuid.UUID
    amount: Money = Field(examples=["49.99"])
    currency: str = Field(examples=["USD"])


class ProductPublic(BaseModel):
    id: uuid.UUID
    name: str
    training_item: TrainingItemRef | None
    access_days: int | None
    prices: list[PricePublic]
    created_at: datetime


class ProductList(BaseModel):
    items: list[ProductPublic]
    total: int


class AssignmentCreate(_Strict):
    price_id: uuid.UUID


class CheckoutCreate(_Strict):
    price_id: uuid.UUID
    quantity: int = Field(default=1, ge=1, le=500, description="More than one issues registration codes.")
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Internal API only: the gateway passes the `Idempotency-Key` header here.",
    )


class AccessPublic(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    training_item: TrainingItemRef | None
    order_id: uuid.UUID
    registration_code: str | None
    starts_on: date
    ends_on: date | None
    status: str = Field(description="active, upcoming, expired or revoked.", examples=["active"])
    granted_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


class AccessList(BaseModel):
    items: list[AccessPublic]
    total: int


class AccessUpdate(_Strict):
    starts_on: date
    ends_on: date | None = Field(description="Last day of access, inclusive; null: unlimited.")


class OrderPublic(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    source: str = Field(examples=["checkout"])
    product_id: uuid.UUID
    product_name: str
    price_id: uuid.UUID
    quantity: int
    unit_amount: Money
    total: Money
    currency: str
    access_days: int | None = Field(description="The product's duration when bought (access is computed from it).")
    completed_at: datetime
    registration_codes: list[str] = Field(description="Codes issued to the purchaser (quantity > 1).")
    access: list[AccessPublic] = Field(description="Access granted by this order (quantity 1).")


class OrderList(BaseModel):
    items: list[OrderPublic]
    total: int


class RegistrationCodeUser(BaseModel):
    code: str
    order_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    customer_id: uuid.UUID
    first_name: str | None = Field(description="Null when the user is not (or no longer) known here.")
    last_name: str | None
    email: str | None
    redeemed_at: datetime
    access_id: uuid.UUID


class RegistrationCodeUserList(BaseModel):
    items: list[RegistrationCodeUser]
    total: int


class Redemption(BaseModel):
    code: str
    customer_id: uuid.UUID
    redeemed_at: datetime
    access: AccessPublic


class ImportFailure(BaseModel):
    """A customer-import row whose order could not be created (the import itself is done)."""

    import_id: uuid.UUID
    row_number: int
    customer_id: uuid.UUID
    price_id: uuid.UUID | None
    reason: str = Field(examples=["unknown price_id"])
    recorded_at: datetime


class ImportFailureList(BaseModel):
    items: list[ImportFailure]
    total: int


class CodeInvitationCreate(_Strict):
    """The purchaser invites someone, by e-mail, to redeem one of their registration codes."""

    email: EmailStr = Field(examples=["grace@explorance.com"])


class CodeInvitation(BaseModel):
    code: str
    email: str = Field(description="Whom the purchaser invited.")
    invited_at: datetime
    invited_by: uuid.UUID = Field(description="The purchaser.")


class CodeRedeemer(BaseModel):
    customer_id: uuid.UUID
    first_name: str | None = Field(description="Null when the user is not (or no longer) known here.")
    last_name: str | None
    email: str | None
    redeemed_at: datetime


class CodePendingInvite(BaseModel):
    email: str = Field(description="Whom the purchaser invited.")
    invited_at: datetime


class RegistrationCodeState(BaseModel):
    """One code a customer bought: `available`, `pending_invite` (to whom, since when) or
    `redeemed` (by whom, when)."""

    code: str
    order_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    state: Literal["available", "pending_invite", "redeemed"]
    pending_invite: CodePendingInvite | None = Field(default=None, description="Set when `pending_invite`.")
    redeemed_by: CodeRedeemer | None = Field(default=None, description="Set when `redeemed`.")


class RegistrationCodeStateList(BaseModel):
    items: list[RegistrationCodeState]
    total: int
