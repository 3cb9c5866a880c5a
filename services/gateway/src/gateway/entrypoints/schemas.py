"""Bodies of the gateway's own routes (auth, admins, audit log)."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.domain.admins import Role
from trainyard_common.api.paging import CappedTotal


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, examples=["ada"])
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the token expires.", examples=[900])
    role: Role


class ClientCredentialsRequest(BaseModel):
    """RFC 6749 §4.4, as JSON or ``application/x-www-form-urlencoded``."""

    grant_type: Literal["client_credentials"]
    client_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", examples=["int_5f0c2d9b8a113f0c2d9b8a11"]
    )
    client_secret: str = Field(min_length=1, max_length=256)
    scope: str | None = Field(
        default=None, max_length=256, description="Space-separated subset of the integration's scopes (none: all)."
    )


class ClientCredentialsResponse(BaseModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the token expires.", examples=[900])
    scope: str = Field(description="The scopes the token carries, space-separated.", examples=["clients:assign"])


class IntegrationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=64, examples=["moodle"])
    scopes: list[str] = Field(
        min_length=1,
        examples=[["clients:assign", "customers:read"]],
        description="Any of `clients:assign`, `progress:write`, `customers:read`, `personal-data:read` (the "
        "customers' keys, for a subscriber reading sealed personal fields in events).",
    )


class IntegrationPublic(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    created_by: str = Field(description="The admin who created it.")


class IntegrationCreated(IntegrationPublic):
    client_secret: str = Field(description="Shown this once: only its hash is stored.")


class IntegrationList(BaseModel):
    items: list[IntegrationPublic]


POLICY = "At least 12 characters and not a common password (compared case-insensitively)."


class AdminCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, examples=["grace"])
    password: str = Field(min_length=12, max_length=256, description=POLICY)
    role: Role = Field(description="`admin` may do anything; `viewer` may only read.")


class AdminPublic(BaseModel):
    id: uuid.UUID
    username: str
    role: Role
    created_at: datetime
    active: bool = Field(default=True, description="A disabled admin cannot sign in.")


class OwnPasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256, description=POLICY)


class AdminPasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=256, description=POLICY)


class AdminUpdate(BaseModel):
    role: Role | None = Field(default=None, description="`admin` or `viewer`; applies from the next request.")
    active: bool | None = Field(default=None, description="false: disabled, its tokens end at once.")


class AuditEntryPublic(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str = Field(description="Username of the admin, `integration:<name>` (an LMS integration), or `system`.")
    action: str = Field(examples=["POST /api/v1/admin/clients", "sign-in"])
    target: str | None = Field(examples=["client:0b6f7c2e-5c1a-4a55-9d1e-3f0c2d9b8a11"])
    outcome: str = Field(description="success, denied, rejected or failed.")
    status_code: int | None = Field(description="The HTTP status the admin received.")
    correlation_id: str = Field(description="The request's X-Request-ID.")
    client_ip: str | None = Field(default=None, description="The admin's address (behind trusted proxies only).")
    user_agent: str | None = Field(default=None, description="The admin's User-Agent, cut to 512 characters.")


class AuditLog(CappedTotal):
    items: list[AuditEntryPublic]
    total: int
