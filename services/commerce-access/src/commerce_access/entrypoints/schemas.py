"""Response bodies of commerce-access's internal HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class CustomerPublic(BaseModel):
    """A customer as commerce-access knows them (kept from UserRegistered events)."""

    model_config = ConfigDict(from_attributes=True)

    customer_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    registered_at: datetime
