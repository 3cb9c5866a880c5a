"""Events published by customer-account, and the erasure receipt every service sends back."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BeforeValidator, ConfigDict, Field, JsonValue, model_validator

from trainyard_common.contracts.base import Deprecation, Event
from trainyard_common.contracts.common import CurrencyCode, Money
from trainyard_common.privacy.schema import SealedText
from trainyard_common.privacy.sealing import CustomerSeal
from trainyard_common.vocabulary import (
    ActorKind,
    CustomerStatus,
    ErasureKind,
    ProfileField,
    RegistrationSource,
    ServiceName,
)

CUSTOMER_ID_EXAMPLE = "5f0c6f5e-3d7b-4b8e-9b1a-2f9c1d7f4a11"
SEALED_EXAMPLE = "tyenc:v1:3q2-7wAAAAAAAAAAeAr4Vr7wH3m0b1GZyPg6J4xK0dQ"
PERSONAL: dict[str, JsonValue] = {"x-trainyard-personal": True}
"""Marks a v1 field as personal data in its JSON Schema: the one kind of field a deprecated topic may
blank (``contracts.compatibility``)."""

V1_DEPRECATED_SINCE = date(2026, 11, 29)
V1_RETENTION_DAYS = 30
"""``messaging.topics.EVENT_RETENTION_DAYS`` (not imported: the topics module imports the contracts)."""
V1_RETIRED_ON = V1_DEPRECATED_SINCE + timedelta(days=V1_RETENTION_DAYS)
"""When the last version 1 message with personal data in clear has left its topic (published the day
before the deprecation, kept 30 days): the topic is retired then (docs/subscribing.md)."""


def _blanked(value: object) -> object:
    return "" if value is None or isinstance(value, str) else value


Blank = Annotated[Literal[""], BeforeValidator(_blanked)]
"""A version 1 personal field since its topic's deprecation: always empty (read the version 2). Its
schema admits only ``""``; a message from before the deprecation is read with the field empty too (not
refused: it was valid when published), so no consumer of version 1 gets personal data from it."""


def _retiring(successor: str) -> Deprecation:
    return Deprecation(since=V1_DEPRECATED_SINCE, retire_on=V1_RETIRED_ON, successor=successor)


def _blank(description: str, successor: str, *, optional: bool = False) -> Any:
    text = f"{description} Empty since {V1_DEPRECATED_SINCE.isoformat()} (deprecated): read it sealed on `{successor}`."
    if optional:
        return Field(default="", description=text, examples=[""], json_schema_extra=PERSONAL)
    return Field(description=text, examples=[""], json_schema_extra=PERSONAL)


class UserRegistered(Event):
    """A customer account was created: by public registration, by an admin or by an import.

    Deprecated since 2026-11-29, retired on 2026-12-29: its personal fields are empty;
    `UserRegistered.v2` carries them sealed."""

    event_type: ClassVar[str] = "UserRegistered"
    deprecation: ClassVar[Deprecation | None] = _retiring("UserRegistered.v2")

    customer_id: UUID = Field(description="The new customer's id.", examples=[CUSTOMER_ID_EXAMPLE])
    email: Blank = _blank("Sign-in e-mail, unique case-insensitively.", "UserRegistered.v2")
    first_name: Blank = _blank("Given name.", "UserRegistered.v2")
    last_name: Blank = _blank("Family name.", "UserRegistered.v2")
    organization: Blank = _blank("Organisation name the customer gave.", "UserRegistered.v2", optional=True)
    source: RegistrationSource = Field(description="How the account came to be.", examples=["self_registration"])
    registered_at: datetime = Field(
        description="When the account was created (ISO 8601 with offset).",
        examples=["2025-03-14T09:26:53Z"],
    )


class CustomerProfileUpdated(Event):
    """A customer's profile changed (by an admin, by the customer, or during impersonation).

    Deprecated since 2026-11-29, retired on 2026-12-29: its personal fields are empty;
    `CustomerProfileUpdated.v2` carries them sealed (the whole profile after the change plus the
    previous e-mail and organisation).
    """

    event_type: ClassVar[str] = "CustomerProfileUpdated"
    deprecation: ClassVar[Deprecation | None] = _retiring("CustomerProfileUpdated.v2")

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    email: Blank = _blank("Sign-in e-mail after the change.", "CustomerProfileUpdated.v2")
    previous_email: Blank = _blank("Sign-in e-mail before the change.", "CustomerProfileUpdated.v2")
    first_name: Blank = _blank("Given name after the change.", "CustomerProfileUpdated.v2")
    last_name: Blank = _blank("Family name after the change.", "CustomerProfileUpdated.v2")
    organization: Blank = _blank("Organisation name after the change.", "CustomerProfileUpdated.v2", optional=True)
    previous_organization: Blank = _blank(
        "Organisation name before the change.", "CustomerProfileUpdated.v2", optional=True
    )
    changed_fields: list[ProfileField] = Field(
        min_length=1,
        description="Which of the profile fields above changed.",
        examples=[["email", "organization"]],
    )
    updated_at: AwareDatetime = Field(description="When the change was saved.", examples=["2025-03-20T14:02:11Z"])


class CustomerStatusChanged(Event):
    """A customer's status changed: an admin (de)activated them, or failed sign-ins locked them."""

    event_type: ClassVar[str] = "CustomerStatusChanged"

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    status: CustomerStatus = Field(description="Status after the change.", examples=["locked"])
    previous_status: CustomerStatus = Field(description="Status before the change.", examples=["active"])
    reason: str | None = Field(
        default=None,
        description="Human-readable reason, when one was given or the system applied a rule.",
        examples=["5 failed sign-ins within 15 minutes"],
    )
    # The values released with version 1: a new kind of actor here (an integration) would be a
    # value its subscribers never saw, so it needs a new version of the event.
    actor: Literal[ActorKind.ADMIN, ActorKind.LEARNER, ActorKind.SYSTEM] = Field(
        description="Who changed it: an admin, or the system (automatic lockout).",
        examples=["system"],
    )
    changed_at: AwareDatetime = Field(description="When the status changed.", examples=["2025-03-21T08:15:00Z"])


class CustomerGroupsChanged(Event):
    """The set of groups a customer belongs to changed (manually or by a group automation)."""

    event_type: ClassVar[str] = "CustomerGroupsChanged"

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    group_ids: list[UUID] = Field(
        description="Every group the customer belongs to now (empty: none).",
        examples=[["0b7a3c1e-52d4-4a8f-9e61-3f2d7c8b9a05"]],
    )
    changed_at: AwareDatetime = Field(description="When the membership changed.", examples=["2025-03-21T08:20:00Z"])


class CustomerImported(Event):
    """One row of a customer import was applied.

    Sent once per imported row, after the customer exists (a UserRegistered with source
    `import` precedes it when the row created the account). Rows with a `price_id` make
    commerce-access create an order and access, dated from `imported_at`; `(import_id,
    row_number)` identifies the row, so the order is created only once.

    Deprecated since 2026-11-29, retired on 2026-12-29: its e-mail is empty;
    `CustomerImported.v2` carries it sealed.
    """

    event_type: ClassVar[str] = "CustomerImported"
    deprecation: ClassVar[Deprecation | None] = _retiring("CustomerImported.v2")

    import_id: UUID = Field(description="The import batch.", examples=["c3a9e0d2-7f14-4b6a-8d25-6e1f0a9b4c37"])
    row_number: int = Field(ge=1, description="1-based row number within the import (header excluded).", examples=[1])
    customer_id: UUID = Field(description="The customer the row created or matched.", examples=[CUSTOMER_ID_EXAMPLE])
    email: Blank = _blank("The customer's e-mail.", "CustomerImported.v2")
    price_id: UUID | None = Field(
        default=None,
        description="The price (of a product) to order for the customer, if the row has one.",
        examples=["6e2f9b1c-0d3a-4c7e-b5f8-2a9d1e4c7b60"],
    )
    cost: Money | None = Field(
        default=None,
        description="What the order costs, as given in the row; absent: the price's own amount.",
        examples=["49.99"],
    )
    currency: CurrencyCode | None = Field(
        default=None,
        description="ISO 4217 currency of `cost`; present exactly when `cost` is.",
        examples=["USD"],
    )
    imported_at: AwareDatetime = Field(
        description="When the row was imported; access dates are computed from it.",
        examples=["2025-03-22T10:00:00Z"],
    )

    @model_validator(mode="after")
    def _cost_needs_currency_and_price(self) -> Self:
        if (self.cost is None) != (self.currency is None):
            raise ValueError("cost and currency go together")
        if self.cost is not None and self.price_id is None:
            raise ValueError("a cost needs a price_id")
        return self


class CustomerErased(Event):
    """An inactive customer was erased (right to be forgotten).

    The customer id and creation date survive, orders are kept; every service must scrub the
    customer's personal data and answer with CustomerErasureCompleted.
    """

    event_type: ClassVar[str] = "CustomerErased"

    customer_id: UUID = Field(description="The erased customer.", examples=[CUSTOMER_ID_EXAMPLE])
    erased_at: AwareDatetime = Field(
        description="When customer-account erased the profile.", examples=["2025-04-01T12:00:00Z"]
    )


class CustomerDeleted(Event):
    """A customer without orders or access was deleted for good.

    Every service must delete everything it holds about the customer and answer with
    CustomerErasureCompleted.
    """

    event_type: ClassVar[str] = "CustomerDeleted"

    customer_id: UUID = Field(description="The deleted customer.", examples=[CUSTOMER_ID_EXAMPLE])
    deleted_at: AwareDatetime = Field(
        description="When customer-account deleted the customer.",
        examples=["2025-04-01T12:00:00Z"],
    )


class CustomerDeletionRequested(Event):
    """An admin asked to delete a customer: the first step of the deletion saga.

    customer-account has stopped the customer signing in and buying, and waits for
    commerce-access, which owns orders and access, to answer with CustomerDeletionDecided.
    Only an approval makes customer-account delete the customer (and publish CustomerDeleted).
    """

    event_type: ClassVar[str] = "CustomerDeletionRequested"

    customer_id: UUID = Field(description="The customer to delete.", examples=[CUSTOMER_ID_EXAMPLE])
    requested_at: AwareDatetime = Field(description="When the admin asked.", examples=["2025-04-01T12:00:00Z"])


class CustomerErasureCompleted(Event):
    """A service has scrubbed or deleted a customer's data: one receipt per service.

    Sent by every service in answer to CustomerErased or CustomerDeleted; customer-account
    collects the receipts as the certificate of erasure.
    """

    event_type: ClassVar[str] = "CustomerErasureCompleted"

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    service: ServiceName = Field(description="The service that finished its part.", examples=["commerce-access"])
    request_event_id: UUID = Field(
        description="The `ce_id` of the CustomerErased or CustomerDeleted event answered.",
        examples=["e7b1d3f5-2a4c-4e6f-8b0d-1c3e5a7f9b2d"],
    )
    request_kind: ErasureKind = Field(
        description="Whether the request was an erasure or a deletion.", examples=["erased"]
    )
    completed_at: AwareDatetime = Field(description="When the service finished.", examples=["2025-04-01T12:00:03Z"])
    removed: list[str] = Field(
        default_factory=list,
        description="What the service removed or anonymised, as `table` (rows deleted) or `table.column` "
        "(values cleared), for the certificate of erasure. Empty in receipts sent before it existed.",
        examples=[["customers", "code_invitations"]],
    )


# Version 2 of the events that carry personal data (issue 16): the same facts, every personal field
# sealed with the customer's own key (``trainyard_common.privacy``), so erasing the key makes every
# copy unreadable. Published next to version 1 (same transaction, same message key), which carries
# its personal fields empty since its deprecation; see docs/subscribing.md.


def _sealed(description: str) -> Any:
    return Field(description=f"{description} Sealed with the customer's key.", examples=[SEALED_EXAMPLE])


def _sealed_or_none(description: str) -> Any:
    return Field(
        default=None,
        description=f"{description} Sealed with the customer's key; null when there is none.",
        examples=[None],
        json_schema_extra={"x-trainyard-encrypted": True},
    )


def _topic_title(model: type[Any]) -> str:
    return str(model.topic())


class _SealedVersion(Event):
    # Titled by topic (``UserRegistered.v2``): the AsyncAPI documents name a payload by its title.
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, model_title_generator=_topic_title)

    personal_fields: ClassVar[tuple[str, ...]]
    """The fields sealed with ``field=<their name>`` and the event's ``customer_id``."""
    schema_version: ClassVar[int] = 2

    @classmethod
    def sealing(cls, clear: Mapping[str, Any], key: bytes) -> Self:
        """The event from its fields in clear (what ``opened`` returns), each personal field sealed
        with ``key``; checked against this contract (``ValidationError`` otherwise)."""
        sealed = CustomerSeal(key, clear["customer_id"]).seal_fields(clear, cls.personal_fields)
        return cls.model_validate({**clear, **sealed})

    def opened(self, key: bytes, personal: Collection[str] | None = None) -> dict[str, Any]:
        """The event's fields with the personal ones unsealed (``Unreadable``: not this customer's key).
        ``personal``: only these personal fields, the others left out (a consumer opens what it uses)."""
        values = self.as_sent(personal)
        opening = [field for field in self.personal_fields if field in values]
        values.update(CustomerSeal(key, values["customer_id"]).open_fields(values, opening))
        return values

    def as_sent(self, personal: Collection[str] | None = None) -> dict[str, Any]:
        """The event's fields as they are, the personal fields not in ``personal`` left out."""
        values = self.model_dump()
        if personal is not None:
            for field in self.personal_fields:
                if field not in personal:
                    del values[field]
        return values

    def sealed_for(self) -> UUID:
        """The customer whose key seals this event's personal fields."""
        owner = getattr(self, self.aggregate_field)
        return owner if isinstance(owner, UUID) else UUID(str(owner))

    def version_1(self) -> Event:
        """The same event on the deprecated version 1 topic: its personal fields empty."""
        values = self.model_dump()
        values.update(dict.fromkeys(self.personal_fields, ""))
        return self.predecessor().model_validate(values)

    @classmethod
    def predecessor(cls) -> type[Event]:
        """The version 1 this version replaces."""
        return _PREDECESSORS[cls.event_type]


class UserRegisteredV2(_SealedVersion):
    """``UserRegistered`` with the e-mail, the names and the organisation sealed."""

    event_type: ClassVar[str] = "UserRegistered"
    personal_fields: ClassVar[tuple[str, ...]] = ("email", "first_name", "last_name", "organization")

    customer_id: UUID = Field(description="The new customer's id.", examples=[CUSTOMER_ID_EXAMPLE])
    email: SealedText = _sealed("Sign-in e-mail, unique case-insensitively.")
    first_name: SealedText = _sealed("Given name.")
    last_name: SealedText = _sealed("Family name.")
    organization: SealedText | None = _sealed_or_none("Organisation name the customer gave.")
    source: RegistrationSource = Field(description="How the account came to be.", examples=["self_registration"])
    registered_at: datetime = Field(
        description="When the account was created (ISO 8601 with offset).",
        examples=["2025-03-14T09:26:53Z"],
    )


class CustomerProfileUpdatedV2(_SealedVersion):
    """``CustomerProfileUpdated`` with the e-mails, the names and the organisations sealed."""

    event_type: ClassVar[str] = "CustomerProfileUpdated"
    personal_fields: ClassVar[tuple[str, ...]] = (
        "email", "previous_email", "first_name", "last_name", "organization", "previous_organization",
    )  # fmt: skip

    customer_id: UUID = Field(description="The customer.", examples=[CUSTOMER_ID_EXAMPLE])
    email: SealedText = _sealed("Sign-in e-mail after the change.")
    previous_email: SealedText = _sealed("Sign-in e-mail before the change (the same text as `email` when unchanged).")
    first_name: SealedText = _sealed("Given name after the change.")
    last_name: SealedText = _sealed("Family name after the change.")
    organization: SealedText | None = _sealed_or_none("Organisation name after the change.")
    previous_organization: SealedText | None = _sealed_or_none("Organisation name before the change.")
    changed_fields: list[ProfileField] = Field(
        min_length=1,
        description="Which of the profile fields above changed.",
        examples=[["email", "organization"]],
    )
    updated_at: AwareDatetime = Field(description="When the change was saved.", examples=["2025-03-20T14:02:11Z"])


class CustomerImportedV2(_SealedVersion):
    """``CustomerImported`` with the e-mail sealed."""

    event_type: ClassVar[str] = "CustomerImported"
    personal_fields: ClassVar[tuple[str, ...]] = ("email",)

    import_id: UUID = Field(description="The import batch.", examples=["c3a9e0d2-7f14-4b6a-8d25-6e1f0a9b4c37"])
    row_number: int = Field(ge=1, description="1-based row number within the import (header excluded).", examples=[1])
    customer_id: UUID = Field(description="The customer the row created or matched.", examples=[CUSTOMER_ID_EXAMPLE])
    email: SealedText = _sealed("The customer's e-mail.")
    price_id: UUID | None = Field(
        default=None,
        description="The price (of a product) to order for the customer, if the row has one.",
        examples=["6e2f9b1c-0d3a-4c7e-b5f8-2a9d1e4c7b60"],
    )
    cost: Money | None = Field(
        default=None,
        description="What the order costs, as given in the row; absent: the price's own amount.",
        examples=["49.99"],
    )
    currency: CurrencyCode | None = Field(
        default=None,
        description="ISO 4217 currency of `cost`; present exactly when `cost` is.",
        examples=["USD"],
    )
    imported_at: AwareDatetime = Field(
        description="When the row was imported; access dates are computed from it.",
        examples=["2025-03-22T10:00:00Z"],
    )

    @model_validator(mode="after")
    def _cost_needs_currency_and_price(self) -> Self:
        if (self.cost is None) != (self.currency is None):
            raise ValueError("cost and currency go together")
        if self.cost is not None and self.price_id is None:
            raise ValueError("a cost needs a price_id")
        return self


_PREDECESSORS: dict[str, type[Event]] = {
    event.event_type: event for event in (UserRegistered, CustomerProfileUpdated, CustomerImported)
}

SealedEvent = _SealedVersion
"""Version 2 of an event with personal data (what ``privacy.consumers.open_batch`` opens)."""
