"""Orders: one product at one price, completed at once (there is no payment step in Trainyard).

The product's name and access duration are copied into the order: access is always computed
from the duration in force at purchase time, whatever the product says later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from commerce_access.domain.products import Price, Product, TrainingItem

ZERO = Decimal("0.00")


class Source(StrEnum):
    CHECKOUT = "checkout"
    ADMIN_ASSIGNMENT = "admin_assignment"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Order:
    id: uuid.UUID
    customer_id: uuid.UUID
    source: Source
    idempotency_key: str
    product_id: uuid.UUID
    product_name: str
    training_item: TrainingItem | None
    price_id: uuid.UUID
    quantity: int
    unit_amount: Decimal
    currency: str
    access_days: int | None
    completed_at: datetime
    impersonated_by: str | None = None
    """The admin who placed the order while impersonating the customer (None: the customer did)."""

    @property
    def total(self) -> Decimal:
        return self.unit_amount * self.quantity

    @property
    def issues_codes(self) -> bool:
        """Several seats: the purchaser gets codes to hand out instead of access."""
        return self.quantity > 1

    def same_request(self, price_id: uuid.UUID, quantity: int) -> bool:
        """A retry with the same key must ask for the same thing."""
        return self.price_id == price_id and self.quantity == quantity


class Completion(StrEnum):
    """What recording a completed order did."""

    PLACED = "placed"
    """The order, its access or codes and its events were written."""
    KNOWN = "known"
    """Nothing written: the customer already has an order with this idempotency key (a retry)."""
    DELETED = "deleted"
    """Nothing written: the customer's deletion was approved."""
    STALE = "stale"
    """Nothing written: the product or its price changed since the order was built from them."""


def place_order(
    customer_id: uuid.UUID,
    product: Product,
    price: Price,
    *,
    source: Source,
    idempotency_key: str,
    quantity: int = 1,
    unit_amount: Decimal | None = None,
    currency: str | None = None,
    at: datetime,
    impersonated_by: str | None = None,
) -> Order:
    """``unit_amount``/``currency`` override the price's (a zero-dollar assignment, an import's cost)."""
    return Order(
        id=uuid.uuid4(),
        customer_id=customer_id,
        source=source,
        idempotency_key=idempotency_key,
        product_id=product.id,
        product_name=product.name,
        training_item=product.training_item,
        price_id=price.price_id,
        quantity=quantity,
        unit_amount=price.amount if unit_amount is None else unit_amount,
        currency=currency or price.currency,
        access_days=product.access_days,
        completed_at=at,
        impersonated_by=impersonated_by,
    )
