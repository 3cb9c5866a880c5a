"""Public bodies of the routes the gateway passes through to a service.

Requests are validated here (a clear 422 before any service is called); responses are passed
through as the service sent them, and these models only document them in OpenAPI.
"""

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class ClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Explorance"])
    industry: str = Field(description="One of GET /api/v1/admin/industries.", examples=["Technology"])
    email_domains: list[str] = Field(default_factory=list, max_length=100, examples=[["explorance.com"]])
    aliases: list[str] = Field(default_factory=list, max_length=100, examples=[["Explorance Inc"]])


class ClientPublic(BaseModel):
    id: uuid.UUID
    name: str
    industry: str
    email_domains: list[str]
    aliases: list[str]
    active: bool
    created_at: datetime


class ClientList(BaseModel):
    items: list[ClientPublic]
    total: int


class IndustryList(BaseModel):
    items: list[str]


class LearnerPublic(BaseModel):
    customer_id: uuid.UUID
    email: str
    organization: str | None
    how: str | None = Field(description="How the learner came to this client: domain, alias, class or manual.")
    assigned_at: datetime | None


class LearnerList(BaseModel):
    items: list[LearnerPublic]
    total: int


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
