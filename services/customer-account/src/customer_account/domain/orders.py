"""What customer-account knows of orders and access (from commerce-access's events): both block a
deletion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class SeenOrder:
    order_id: uuid.UUID
    customer_id: uuid.UUID
    total: Decimal
    currency: str
    source: str
    lines: list[dict[str, Any]]
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class AccessState:
    """Whether one access row counts (blocks a deletion), as of ``changed_at``."""

    access_id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    active: bool
    changed_at: datetime
