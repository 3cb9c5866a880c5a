"""Request and response bodies of customer-account's API, shared by the service and the gateway
(which passes them through and documents them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from trainyard_common.api.paging import CappedTotal

Status = Literal["active", "inactive", "locked"]
Name = Field(min_length=1, max_length=100)


# --- sessions -------------------------------------------------------------------------------


class LearnerSignIn(BaseModel):
    email: str = Field(min_length=1, max_length=320, examples=["ada@explorance.com"])
    password: str = Field(min_length=1, max_length=256)


class SessionCreate(LearnerSignIn):
    ip: str | None = Field(default=None, max_length=64, description="The learner's IP, as the gateway saw it.")


class TokenIssued(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires.", examples=[3600])
    customer_id: uuid.UUID
    password_change_required: bool = Field(
        description="True: the session may only change the password (PUT /api/v1/learner/password)."
    )


TOKEN_MAX_LENGTH = 512


class TokenBody(BaseModel):
    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)


class SessionIntrospection(BaseModel):
    customer_id: uuid.UUID
    impersonated_by: str | None = Field(description="The admin acting through this token, if any.")
    admin_token: str | None = Field(
        default=None,
        description=(
            "For an impersonation: the SHA-256 (hex) of the admin token it was started with; the "
            "gateway honours the session only while that admin token is live."
        ),
    )
    password_change_required: bool
    expires_at: datetime


MAX_TOKENS_PER_INTROSPECTION = 500
"""Tokens one ``POST /v1/sessions/introspect-many`` may ask about."""


class TokensBody(BaseModel):
    tokens: list[Annotated[str, Field(min_length=1, max_length=TOKEN_MAX_LENGTH)]] = Field(
        min_length=1, max_length=MAX_TOKENS_PER_INTROSPECTION
    )


class SessionIntrospections(BaseModel):
    sessions: list[SessionIntrospection | None] = Field(
        description="One per token asked about, in its order: the session, or null where the token is not live."
    )


class ImpersonationCreate(BaseModel):
    admin: str = Field(min_length=1, max_length=200, description="The admin's username.")
    admin_token: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="The SHA-256 (hex) of the admin's own token: the impersonation lives no longer than it.",
    )


class ImpersonationIssued(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(examples=[900])


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class PasswordSetup(BaseModel):
    """A one-time set-password link used: its token (after ``#token=``) and the chosen password."""

    token: str = Field(min_length=1, max_length=512, description="The token of the welcome e-mail's link.")
    password: str = Field(
        min_length=1, max_length=256, description="The new password; the password policy applies (422 otherwise)."
    )


class PasswordLinkSent(BaseModel):
    """An admin-sent set-password link (issue 17, item 6): to whom it went, and until when it works."""

    customer_id: uuid.UUID
    sent_to: str = Field(description="The customer's e-mail address the link was sent to.")
    expires_at: datetime = Field(description="After this, the link no longer works (ask for a new one).")


# --- customers ------------------------------------------------------------------------------


class RegistrationCreate(BaseModel):
    """Public registration from the learner site."""

    first_name: str = Field(min_length=1, max_length=100, examples=["Ada"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Lovelace"])
    email: EmailStr = Field(examples=["ada@explorance.com"])
    password: str = Field(min_length=8, max_length=256)
    organization: str | None = Field(default=None, max_length=200, examples=["Explorance Inc"])


class CustomerCreate(BaseModel):
    first_name: str = Name
    last_name: str = Name
    email: EmailStr
    password: str | None = Field(
        default=None, max_length=256, description="Blank or absent: a strong one is generated and shown once."
    )
    organization: str | None = Field(default=None, max_length=200)
    group_ids: list[uuid.UUID] = Field(default_factory=list)
    send_welcome_email: bool = False


class CustomerUpdate(BaseModel):
    """Only the fields given change; `organization: null` clears it, the others cannot be null."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    organization: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _required_fields_are_not_cleared(self) -> Self:
        cleared = [
            f for f in ("first_name", "last_name", "email") if f in self.model_fields_set and getattr(self, f) is None
        ]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self


class GroupRef(BaseModel):
    id: uuid.UUID
    name: str


class DeletionStatus(BaseModel):
    """A deletion request's outcome: commerce-access, which owns orders and access, decides."""

    state: Literal["pending", "refused", "done"] = Field(
        description="`pending` until commerce-access decides; `refused` (see `reason`) or `done`."
    )
    reason: str | None = Field(default=None, description="Why it was refused: `has_orders`, `has_access`.")
    requested_at: datetime
    decided_at: datetime | None = None


class DeletionAccepted(BaseModel):
    """The answer to a DELETE: the request is pending; `Location` (and `location`) say where to look."""

    customer_id: uuid.UUID
    deletion: DeletionStatus
    location: str = Field(description="Where the outcome shows: `GET /api/v1/admin/customers/{id}/deletion`.")


class CustomerDetails(BaseModel):
    id: uuid.UUID
    first_name: str | None = Field(description="Null once erased (as every personal field).")
    last_name: str | None
    email: str | None
    organization: str | None
    status: Status
    tax_exempt: bool
    groups: list[GroupRef]
    created_at: datetime
    password_expires_at: datetime | None
    password_expiry_days: int | None
    password_change_required: bool
    erased_at: datetime | None
    deletion: DeletionStatus | None = Field(
        default=None, description="The latest deletion request, if any: pending, or refused with its reason."
    )
    deletable: bool = Field(
        default=True,
        description="For display (the Delete User button): no order and no access known to customer-account. "
        "commerce-access still decides when a deletion is asked for.",
    )
    not_deletable_reasons: list[Literal["has_orders", "has_access"]] = Field(
        default_factory=list, description="Why not, when `deletable` is false.", examples=[["has_orders"]]
    )


class CustomerCreated(CustomerDetails):
    generated_password: str | None = Field(
        default=None, description="The generated password, shown this once (never stored or logged in clear)."
    )


class CustomerList(CappedTotal):
    items: list[CustomerDetails]
    total: int


class StatusChange(BaseModel):
    status: Status


class PasswordRulesChange(BaseModel):
    password: str | None = Field(default=None, min_length=8, max_length=256)
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="The password expires this many days after each change; null: never."
    )
    require_change: bool | None = Field(default=None, description="Require a change at the next sign-in.")


class TaxExemption(BaseModel):
    exempt: bool


class GroupsSet(BaseModel):
    group_ids: list[uuid.UUID] = Field(max_length=500)


class CodeUsersGroup(BaseModel):
    """Put the customer and every user of their registration codes in a group."""

    group_id: uuid.UUID


class CodeUsersGrouping(CodeUsersGroup):
    """customer-account's body: the gateway adds the code users it read from commerce-access."""

    user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)


class CodeUsersGrouped(BaseModel):
    group_id: uuid.UUID
    customer_id: uuid.UUID
    joined: list[uuid.UUID] = Field(description="Who joined the group now (the customer included).")
    already_members: list[uuid.UUID] = Field(description="Who was in the group already (left as is).")
    not_found: list[uuid.UUID] = Field(description="Code users customer-account does not know (deleted, erased).")


# --- groups ---------------------------------------------------------------------------------


class GroupAutomation(BaseModel):
    email_domain: str = Field(
        min_length=3, max_length=253, pattern=r"^@?[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", examples=["explorance.com"]
    )


class GroupCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    automation: GroupAutomation | None = Field(
        default=None, description="New or changed customers with this e-mail domain join the group."
    )


class GroupPublic(BaseModel):
    id: uuid.UUID
    name: str
    automation: GroupAutomation | None
    members: int
    created_at: datetime


class GroupList(BaseModel):
    items: list[GroupPublic]
    total: int


# --- histories ------------------------------------------------------------------------------


class LoginHistoryEntry(BaseModel):
    at: datetime
    ip: str | None
    success: bool


class LoginHistoryList(BaseModel):
    items: list[LoginHistoryEntry]
    total: int


class ActivityEntry(BaseModel):
    at: datetime
    type: str = Field(examples=["profile_updated"])
    actor: str = Field(
        description="The admin's name, `customer`, `system` or `integration <name>`.",
        examples=["ada-admin (impersonating)"],
    )
    actor_kind: Literal["admin", "customer", "system", "integration"]
    impersonated: bool = Field(description="Done while the admin impersonated the customer.")
    details: dict[str, Any]
    actor_name: str | None = Field(
        default=None,
        description="The admin's username or the integration's name; null for the customer and the system.",
        examples=["ada-admin"],
    )


class ActivityList(BaseModel):
    items: list[ActivityEntry]
    total: int


class OrderHistoryEntry(BaseModel):
    order_id: uuid.UUID
    total: str = Field(examples=["49.99"])
    currency: str
    source: str
    lines: list[dict[str, Any]]
    completed_at: datetime


class OrderHistoryList(BaseModel):
    items: list[OrderHistoryEntry]
    total: int


# --- import ---------------------------------------------------------------------------------


class ImportRowIn(BaseModel):
    """One row as typed in; checked row by row (a bad row is reported, not a 422)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    first_name: str | None = Field(default=None, max_length=1000)
    last_name: str | None = Field(default=None, max_length=1000)
    email: str | None = Field(default=None, max_length=1000)
    password: str | None = Field(default=None, max_length=1000)
    group_id: str | None = Field(default=None, max_length=1000)
    price_id: str | None = Field(default=None, max_length=1000)
    cost: str | None = Field(default=None, max_length=1000)


class ImportOptions(BaseModel):
    require_password_change: bool = False
    send_welcome_email: bool = False
    email_subject: str | None = Field(
        default=None, max_length=200, description="One line: line breaks and control characters are refused."
    )
    additional_text: str | None = Field(default=None, max_length=5000)

    @field_validator("email_subject")
    @classmethod
    def _one_line_subject(cls, value: str | None) -> str | None:
        """A CR or LF would inject headers into the e-mail (and the message could never be sent)."""
        if value is not None and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise ValueError("must be one line, without line breaks or control characters")
        return value


class ImportJson(ImportOptions):
    rows: list[ImportRowIn] = Field(min_length=1)


class ImportError(BaseModel):
    row: int = Field(description="1-based, the header not counted.")
    reason: str
    field: str | None = None


class ImportOrders(BaseModel):
    """The rows with a Price ID: commerce-access orders each, or refuses it (a row error then)."""

    expected: int = Field(default=0, description="Applied rows with a Price ID.")
    ordered: int = 0
    refused: int = Field(default=0, description="Listed in `errors` with their reason.")
    pending: int = Field(default=0, description="Not settled by commerce-access yet.")


class ImportResult(BaseModel):
    import_id: uuid.UUID
    created: int = Field(description="Customers created.")
    imported_rows: int = Field(description="Rows applied (a row may add a product to a customer created earlier).")
    errors: list[ImportError]
    orders: ImportOrders = Field(default_factory=ImportOrders)
    settled: bool = Field(
        default=True,
        description="False while commerce-access has not settled every row's Price ID "
        "(`GET /customer-imports/{id}` shows the result as it completes).",
    )


# --- erasure --------------------------------------------------------------------------------


class ErasureConfirmation(BaseModel):
    service: str
    confirmed: bool
    confirmed_at: datetime | None
    removed: list[str] = Field(
        default_factory=list,
        description="What the service removed (`table`: its rows) or anonymised (`table.column`), per its receipt.",
    )


class ErasureStatus(BaseModel):
    customer_id: uuid.UUID
    kind: Literal["erased", "deleted"]
    requested_at: datetime
    complete: bool = Field(description="Every service has confirmed.")
    services: list[ErasureConfirmation]
    key_destroyed_at: datetime | None = Field(
        default=None,
        description="When the customer's own key was destroyed: from then on their personal data sealed in events "
        "(topics, dead letters, backups) is unreadable. None: no key was destroyed (an erasure from before keys).",
    )


class CustomerKey(BaseModel):
    """A customer's data key, served to the services that read sealed personal fields (never the KEK)."""

    customer_id: uuid.UUID
    key: str = Field(description="The 32-byte AES-256-GCM key, base64url without padding.")


MAX_KEY_LOOKUP = 1000


class CustomerKeyLookup(BaseModel):
    """The customers whose keys a consumer needs for one batch of events."""

    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_KEY_LOOKUP)


class CustomerKeyLookupAnswer(BaseModel):
    """Every id asked for, in exactly one of the three."""

    keys: dict[uuid.UUID, str] = Field(description="The keys, base64url without padding, by customer id.")
    destroyed: list[uuid.UUID] = Field(description="Erased or deleted customers: their key is gone for good.")
    unknown: list[uuid.UUID] = Field(description="No such customer.")
