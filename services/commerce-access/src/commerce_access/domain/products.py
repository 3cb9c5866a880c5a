"""Products, their prices, and the access window a purchase opens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TrainingItem:
    type: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Price:
    price_id: uuid.UUID
    product_id: uuid.UUID
    amount: Decimal
    currency: str


@dataclass(slots=True)
class Product:
    id: uuid.UUID
    name: str
    training_item: TrainingItem | None
    access_days: int | None
    created_at: datetime
    prices: list[Price] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        name: str,
        training_item: TrainingItem | None,
        access_days: int | None,
        prices: list[tuple[Decimal, str]],
        now: datetime,
    ) -> Product:
        product_id = uuid.uuid4()
        return cls(
            product_id,
            name.strip(),
            training_item,
            access_days,
            now,
            [Price(uuid.uuid4(), product_id, amount, currency) for amount, currency in prices],
        )


def access_window(starts_on: date, access_days: int | None) -> tuple[date, date | None]:
    """``access_days`` days from ``starts_on``, the last one inclusive; None: unlimited."""
    if access_days is None:
        return starts_on, None
    return starts_on, starts_on + timedelta(days=access_days - 1)
