"""Events published by commerce-access: completed orders and the life of content access."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from trainyard_common.contracts.base import Event
from trainyard_common.contracts.common import CurrencyCode, MaybeActedBy, Money, TrainingItemRef
from trainyard_common.privacy.schema import SealedText
from trainyard_common.vocabulary import AccessRevocationReason, DeletionDecision, ImportOrderOutcome, OrderSource

CUSTOMER_ID_EXAMPLE = "5f0c6f5e-3d7b-4b8e-9b1a-2f9c1d7f4a11"
ORDER_ID_EXAMPLE = "f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b"
PRODUCT_ID_EXAMPLE = "3d5f7a9c-1b2e-4d6f-8a0c-2e4f6a8c0b1d"
PRICE_ID_EXAMPLE = "6e2f9b1c-0d3a-4c7e-b5f8-2a9d1e4c7b60"
ACCESS_ID_EXAMPLE = "7c9e1a3b-5d7f-4b2c-9e4a-6f8b0d2c4e61"
TRAINING_ITEM_EXAMPLE = {"type": "course", "id": "8d1e4c2a-6b0f-4f7e-a3c5-91b2d0e6f7a4"}


class OrderLine(BaseModel):
    """One product bought in an order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: UUID = Field(description="The product.", examples=[PRODUCT_ID_EXAMPLE])
    price_id: UUID = Field(description="The price the product was bought at.", examples=[PRICE_ID_EXAMPLE])
    product_name: str = Field(description="The product's name at order time.", examples=["Data Literacy Essentials"])
    quantity: int = Field(
        ge=1,
        description="Seats bought; more than one issues registration codes.",
        examples=[1],
    )
    unit_amount: Money = Field(description="Price of one seat.", examples=["49.99"])
    currency: CurrencyCode = Field(description="ISO 4217 currency of `unit_amount`.", examples=["USD"])


class OrderCompleted(Event):
    """An order was completed: paid at checkout, assigned by an admin, or created by an import."""

    event_type: ClassVar[str] = "OrderCompleted"

    order_id: UUID = Field(description="The order.", examples=[ORDER_ID_EXAMPLE])
    customer_id: UUID = Field(
        description="The customer who placed (or was given) the order.",
        examples=[CUSTOMER_ID_EXAMPLE],
    )
    lines: list[OrderLine] = Field(
        min_length=1,
        description="What was bought.",
        examples=[
            [
                {
                    "product_id": PRODUCT_ID_EXAMPLE,
                    "price_id": PRICE_ID_EXAMPLE,
                    "product_name": "Data Literacy Essentials",
                    "quantity": 1,
                    "unit_amount": "49.99",
                    "currency": "USD",
                }
            ]
        ],
    )
    total: Money = Field(
        description="Amount charged for the whole order (zero for admin assignments).",
        examples=["49.99"],
    )
    currency: CurrencyCode = Field(description="ISO 4217 currency of `total` and of every line.", examples=["USD"])
    source: OrderSource = Field(description="How the order came to be.", examples=["checkout"])
    idempotency_key: str = Field(
        min_length=1,
        description=(
            "The key that made the order unique at its source (checkout request, admin "
            "assignment, or `import:<import_id>:<row_number>`)."
        ),
        examples=["checkout:4f8a2c6e-1d3b-4e5f-9a7c-0b2d4f6e8a1c"],
    )
    completed_at: AwareDatetime = Field(description="When the order was completed.", examples=["2025-03-22T10:00:01Z"])
    impersonated_by: str | None = Field(
        default=None,
        description=(
            "The admin (username) who placed the order while impersonating the customer; absent (null) "
            "when the customer acted themselves or for an admin assignment or an import."
        ),
        examples=["support-admin"],
    )
    acted_by: MaybeActedBy = None

    @model_validator(mode="after")
    def _one_currency(self) -> Self:
        if any(line.currency != self.currency for line in self.lines):
            raise ValueError("every line must be in the order's currency")
        return self


class _AccessFacts(Event):
    """What every access event says about one access row (not an event of its own)."""

    access_id: UUID = Field(
        description="The access row; a customer may hold several for one product.",
        examples=[ACCESS_ID_EXAMPLE],
    )
    customer_id: UUID = Field(description="The customer who has (or had) the access.", examples=[CUSTOMER_ID_EXAMPLE])
    product_id: UUID = Field(description="The product giving access.", examples=[PRODUCT_ID_EXAMPLE])
    training_item: TrainingItemRef | None = Field(
        default=None,
        description="The catalogue item the product opens, when it opens one.",
        examples=[TRAINING_ITEM_EXAMPLE],
    )
    order_id: UUID = Field(
        description="The order the access comes from (the purchaser's, for a registration code).",
        examples=[ORDER_ID_EXAMPLE],
    )
    starts_on: date = Field(description="First day of access.", examples=["2025-03-22"])
    ends_on: date | None = Field(
        default=None,
        description="Last day of access, inclusive; absent (null) means unlimited.",
        examples=["2026-03-21"],
    )
    acted_by: MaybeActedBy = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class AccessGranted(_AccessFacts):
    """A customer was given access to a product, with dates computed at purchase time."""

    event_type: ClassVar[str] = "AccessGranted"

    granted_at: AwareDatetime = Field(description="When the access was granted.", examples=["2025-03-22T10:00:01Z"])
    impersonated_by: str | None = Field(
        default=None,
        description=(
            "The admin (username) who redeemed the registration code (or placed the order) while "
            "impersonating the customer; absent (null) when the customer acted themselves, and "
            "for anything not done through an impersonation."
        ),
        examples=["support-admin"],
    )
    registration_code: str | None = Field(
        default=None,
        description=(
            "The registration code whose redemption granted the access; absent (null) for an order's own access."
        ),
        examples=["7KQ2-M9XD"],
    )


class AccessChanged(_AccessFacts):
    """An admin changed the dates of an access row; the row keeps its id."""

    event_type: ClassVar[str] = "AccessChanged"

    previous_starts_on: date = Field(description="First day of access before the change.", examples=["2025-03-22"])
    previous_ends_on: date | None = Field(
        default=None,
        description="Last day of access before the change; null means it was unlimited.",
        examples=["2025-09-21"],
    )
    changed_at: AwareDatetime = Field(description="When the dates were changed.", examples=["2025-04-02T11:30:00Z"])


class AccessRevoked(_AccessFacts):
    """Access was taken away before it expired; the dates are those it had when revoked."""

    event_type: ClassVar[str] = "AccessRevoked"

    reason: AccessRevocationReason = Field(
        description="Why the access was revoked.", examples=["registration_code_removed"]
    )
    revoked_at: AwareDatetime = Field(description="When the access was revoked.", examples=["2025-05-10T09:00:00Z"])


class AccessExpired(_AccessFacts):
    """An access row reached the end of its `ends_on` day."""

    event_type: ClassVar[str] = "AccessExpired"

    ends_on: date = Field(
        description="Last day of access, inclusive: the day that has now passed.",
        examples=["2026-03-21"],
    )
    expired_at: AwareDatetime = Field(
        description="When commerce-access noticed the expiry.", examples=["2026-03-22T00:00:05Z"]
    )


class CustomerDeletionDecided(Event):
    """commerce-access's answer to CustomerDeletionRequested, decided from its own orders and access.

    Refused when the customer has any order, access or registration code, including ones created
    while the request travelled. From an approval on, commerce-access refuses new orders and
    redemptions for the customer, so nothing can slip in before CustomerDeleted arrives.
    """

    event_type: ClassVar[str] = "CustomerDeletionDecided"

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    request_event_id: UUID = Field(
        description="The `ce_id` of the CustomerDeletionRequested event answered.",
        examples=["e7b1d3f5-2a4c-4e6f-8b0d-1c3e5a7f9b2d"],
    )
    decision: DeletionDecision = Field(description="Approved or refused.", examples=["refused"])
    reason: str | None = Field(
        default=None,
        description="Why it was refused (`has_orders`, `has_access`); none when approved.",
        examples=["has_orders"],
    )
    decided_at: AwareDatetime = Field(description="When commerce-access decided.", examples=["2025-04-01T12:00:01Z"])


class ImportRowOrderSettled(Event):
    """commerce-access's answer to a CustomerImported row that carries a Price ID.

    customer-account records the outcome in the import's result: an import with Price IDs is
    complete once every such row is settled, and a refused row shows its reason there.
    """

    event_type: ClassVar[str] = "ImportRowOrderSettled"
    aggregate_field: ClassVar[str] = "import_id"

    import_id: UUID = Field(description="The import batch.", examples=["c3a9e0d2-7f14-4b6a-8d25-6e1f0a9b4c37"])
    row_number: int = Field(ge=1, description="The row's 1-based number within the import.", examples=[1])
    customer_id: UUID = Field(description="The customer the row created or matched.", examples=[CUSTOMER_ID_EXAMPLE])
    price_id: UUID = Field(description="The row's Price ID.", examples=["5b7c2d1e-8f3a-4c6b-9e0d-2a4f6b8c0d1e"])
    outcome: ImportOrderOutcome = Field(description="Ordered or refused.", examples=["ordered"])
    order_id: UUID | None = Field(
        default=None, description="The order, when ordered.", examples=["0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"]
    )
    reason: str | None = Field(
        default=None, description="Why no order was created (e.g. `unknown_price`).", examples=["unknown_price"]
    )
    settled_at: AwareDatetime = Field(
        description="When commerce-access settled the row.", examples=["2025-04-01T12:00:02Z"]
    )


class RegistrationCodeInvited(Event):
    """The purchaser of a registration code invited someone, by e-mail, to redeem it.

    customer-account sends the invitation e-mail (the code and a link to register and redeem).
    Inviting again to the same code replaces the pending invitation (a new event). The invitee's
    address is personal data of the purchaser's: it goes with the purchaser's erasure, so it is
    sealed with the purchaser's key (issue 16; sealed in place, the topic was never released).
    """

    event_type: ClassVar[str] = "RegistrationCodeInvited"

    customer_id: UUID = Field(description="The purchaser, who invited.", examples=[CUSTOMER_ID_EXAMPLE])
    code: str = Field(description="The registration code.", examples=["ABCD-EFGH-JKMN"])
    order_id: UUID = Field(description="The order that issued the code.", examples=[ORDER_ID_EXAMPLE])
    product_name: str = Field(
        description="The product the code gives access to.", examples=["Data Literacy Essentials"]
    )
    invitee_email: SealedText = Field(
        description="Whom the purchaser invited, sealed with the PURCHASER's key (`customer_id`; associated "
        "field name `invitee_email`): unreadable once the purchaser is erased.",
        examples=["tyenc:v1:3q2-7wAAAAAAAAAAeAr4Vr7wH3m0b1GZyPg6J4xK0dQ"],
    )
    invited_at: AwareDatetime = Field(description="When the purchaser invited.", examples=["2026-03-22T10:00:00Z"])
    impersonated_by: str | None = Field(
        default=None,
        description="The admin who sent the invitation while impersonating the purchaser; none: the purchaser did.",
        examples=[None],
    )
