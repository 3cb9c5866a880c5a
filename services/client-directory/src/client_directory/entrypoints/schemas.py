"""Request and response bodies of client-directory's internal HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class ClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    industry: str
    email_domains: list[str] = Field(default_factory=list, max_length=100)
    aliases: list[str] = Field(default_factory=list, max_length=100)


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


class LearnerPublic(BaseModel):
    customer_id: uuid.UUID
    email: str
    organization: str | None
    how: str | None = Field(description="How the learner came to this client: domain, alias, class or manual.")
    assigned_at: datetime | None


class LearnerList(BaseModel):
    items: list[LearnerPublic]
    total: int
