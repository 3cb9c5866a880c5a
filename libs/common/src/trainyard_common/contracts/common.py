"""Small types several contracts share: training item references, money, services, actors."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from trainyard_common.vocabulary import ActorKind, TrainingItemType

DECIMAL_PATTERN = r"^\d+(\.\d+)?$"

Money = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "description": "A non-negative decimal amount written as a string, never a float.",
            "examples": ["49.99"],
        }
    ),
]
"""An amount of money: ``Decimal`` in Python, a decimal string (``"49.99"``) on the wire."""

Percentage = Annotated[
    Decimal,
    Field(ge=0, le=100, allow_inf_nan=False),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "description": "A decimal from 0 to 100 written as a string, never a float.",
            "examples": ["87.5"],
        }
    ),
]
"""A score in percent: ``Decimal`` in Python, a decimal string (``"87.5"``) on the wire."""

CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", min_length=3, max_length=3),
]
"""An ISO 4217 currency code in upper case (``USD``, ``EUR``, ``CAD``)."""


class TrainingItemRef(BaseModel):
    """Points at one item of training-progress's catalogue."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: TrainingItemType = Field(description="The kind of item.", examples=["course"])
    id: UUID = Field(
        description="The item's id in training-progress's catalogue.",
        examples=["8d1e4c2a-6b0f-4f7e-a3c5-91b2d0e6f7a4"],
    )


class ActedBy(BaseModel):
    """Who caused an event: the learner (customer), an admin (username; ``impersonated`` when acting
    through an impersonation of the learner), the system on its own rules (schedules, reactions to
    other events, imports), or an LMS integration (its name)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ActorKind = Field(description="The kind of actor.", examples=["admin"])
    name: str | None = Field(
        default=None,
        description="The admin's username or the integration's name; null for the learner and the system.",
        examples=["support-admin"],
    )
    impersonated: bool = Field(
        default=False,
        description="True when the admin acted while impersonating the learner.",
        examples=[False],
    )


MaybeActedBy = Annotated[
    ActedBy | None,
    Field(
        description=(
            "Who caused this event (learner, admin, admin impersonating, system, integration); "
            "absent (null) from older producers: unknown."
        ),
        examples=[{"kind": "admin", "name": "support-admin", "impersonated": False}],
    ),
]
"""The ``acted_by`` of an event (default ``None``): one description for every event that says it."""
