"""Events published by client-directory."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from trainyard_common.contracts.base import Event
from trainyard_common.vocabulary import AssignmentReason, RemovalReason

CUSTOMER_ID_EXAMPLE = "5f0c6f5e-3d7b-4b8e-9b1a-2f9c1d7f4a11"
CLIENT_ID_EXAMPLE = "2b6d8f0a-1c3e-4a5b-9d7f-0e2a4c6b8d13"
CLASS_ID_EXAMPLE = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


class LearnerAssignedToClient(Event):
    """A learner now belongs to a client (replacing any earlier client)."""

    event_type: ClassVar[str] = "LearnerAssignedToClient"

    customer_id: UUID = Field(description="The learner (customer) id.", examples=[CUSTOMER_ID_EXAMPLE])
    client_id: UUID = Field(description="The client the learner now belongs to.", examples=[CLIENT_ID_EXAMPLE])
    client_name: str = Field(description="The client's name at assignment time.", examples=["Explorance"])
    reason: AssignmentReason = Field(
        description="Why: email domain, organisation alias, class default or manual.",
        examples=["domain"],
    )
    previous_client_id: UUID | None = Field(
        default=None,
        description="The client the learner left, if any.",
        examples=["4c1f7a2e-9b3d-4e8a-a6c0-5d2b8f1e3a97"],
    )
    class_id: UUID | None = Field(
        default=None,
        description="The class, when the reason is `class`.",
        examples=[CLASS_ID_EXAMPLE],
    )
    assigned_at: datetime = Field(description="When the assignment took effect.", examples=["2025-03-14T09:26:54Z"])


class LearnerRemovedFromClient(Event):
    """A learner no longer belongs to a client, and to no other one either.

    Moving to another client is a LearnerAssignedToClient with `previous_client_id`, not a
    removal.
    """

    event_type: ClassVar[str] = "LearnerRemovedFromClient"

    customer_id: UUID = Field(description="The learner (customer) id.", examples=[CUSTOMER_ID_EXAMPLE])
    client_id: UUID = Field(description="The client the learner left.", examples=[CLIENT_ID_EXAMPLE])
    reason: RemovalReason = Field(
        description="Why: removed by an admin, no longer matching, or the customer was erased.",
        examples=["manual"],
    )
    class_id: UUID | None = Field(
        default=None,
        description="The class the admin acted from, when removed from a class's page.",
        examples=[CLASS_ID_EXAMPLE],
    )
    removed_at: AwareDatetime = Field(description="When the removal took effect.", examples=["2025-03-28T16:40:00Z"])
