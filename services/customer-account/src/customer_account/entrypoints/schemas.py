"""Request and response bodies of customer-account's internal HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class RegistrationCreate(BaseModel):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    organization: str | None = Field(default=None, max_length=200)


class CustomerPublic(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    organization: str | None
    status: str
    created_at: datetime
