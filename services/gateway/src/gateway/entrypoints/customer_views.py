"""Bodies of the admin views of one customer (``customer_views_http``).

Their module's name is part of the OpenAPI document: ``CustomerDetails`` shares its name with
customer-account's, so the schema is named after this module.
"""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from trainyard_common.api.customers import DeletionStatus

CUSTOMER_ID_EXAMPLE = "3f1e8f0a-2b6c-4d7e-9a10-5c2b7e4d9f01"


class SectionPublic(BaseModel):
    available: bool = Field(description="False when the service behind this section could not answer.")
    service: str = Field(examples=["commerce-access"])
    data: Any = Field(default=None, description="The service's answer; null when unavailable.")
    reason: str | None = Field(default=None, description="Why the section is unavailable.", examples=["timed out"])
    as_of: datetime | None = Field(
        default=None,
        description="When this section was read from its service (the customer view keeps the last good "
        "answer while the service is down); null when it could not be read.",
    )


class CustomerDetails(BaseModel):
    customer_id: uuid.UUID = Field(examples=[CUSTOMER_ID_EXAMPLE])
    profile: SectionPublic = Field(description="Profile, status, tax exemption and groups (customer-account).")
    client: SectionPublic = Field(description="The learner's client and how it was assigned (client-directory).")
    orders: SectionPublic = Field(description="Order history (commerce-access).")
    access: SectionPublic = Field(description="Every content access row, history included (commerce-access).")
    transcript: SectionPublic = Field(description="Items, progress, scores and access expiry (training-progress).")
    deletion: DeletionStatus | None = Field(
        default=None,
        description="The latest deletion request (customer-account): pending, or refused with its reason; "
        "null when none (or the profile is unavailable).",
    )
    deletable: bool | None = Field(
        default=None,
        description="Whether the Delete User button shows: no order and no access known to customer-account "
        "(display only: commerce-access still decides a deletion); null when the profile is unavailable.",
    )
    not_deletable_reasons: list[str] | None = Field(
        default=None, description="Why not: `has_orders`, `has_access`.", examples=[["has_access"]]
    )


class ImpersonationToken(BaseModel):
    access_token: str = Field(description="A learner token acting as the customer; it names the admin.")
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until it expires.", examples=[900])
