"""Events published by training-progress: progress on modules, courses and certifications.

Each progress entry (one learner, one item) has a `progress_id`. ProgressRecorded is sent
whenever an entry is created or changes; when it reaches *completed*, TrainingCompleted
follows it, once. Consumers keyed on `progress_id` never count an entry twice.
"""

from __future__ import annotations

from typing import ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from trainyard_common.contracts.base import Event
from trainyard_common.contracts.common import MaybeActedBy, Percentage
from trainyard_common.vocabulary import ProgressSource, ProgressStatus, TrainingItemType

CUSTOMER_ID_EXAMPLE = "5f0c6f5e-3d7b-4b8e-9b1a-2f9c1d7f4a11"
PROGRESS_ID_EXAMPLE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
ITEM_ID_EXAMPLE = "8d1e4c2a-6b0f-4f7e-a3c5-91b2d0e6f7a4"


class QuizSubmissionFacts(BaseModel):
    """One quiz submission, without its answers (personal data)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    submission_id: UUID = Field(description="The submission.", examples=[PROGRESS_ID_EXAMPLE])
    score: Percentage = Field(description="The submission's score in percent.", examples=["80"])
    passed: bool = Field(description="Whether it reached the pass mark.", examples=[True])


class _ProgressFacts(Event):
    """What progress events say about one progress entry (not an event of its own)."""

    progress_id: UUID = Field(description="The progress entry (one learner, one item).", examples=[PROGRESS_ID_EXAMPLE])
    customer_id: UUID = Field(description="The learner (customer).", examples=[CUSTOMER_ID_EXAMPLE])
    item_type: TrainingItemType = Field(description="Module, course or certification.", examples=["course"])
    item_id: UUID = Field(description="The item in the catalogue.", examples=[ITEM_ID_EXAMPLE])
    item_name: str = Field(description="The item's name at the time of the event.", examples=["Survey Design 101"])
    acted_by: MaybeActedBy = None


class _RecordedFacts(_ProgressFacts):
    source: ProgressSource = Field(description="Learner activity, manual admin entry, or import.", examples=["learner"])
    score: Percentage | None = Field(
        default=None,
        description="Score in percent, when the item is scored (courses have none).",
        examples=["87.5"],
    )
    started_at: AwareDatetime | None = Field(
        default=None,
        description="When the learner started; absent for admin entries and imports.",
        examples=["2025-03-23T13:05:00Z"],
    )
    impersonated_by: str | None = Field(
        default=None,
        description=(
            "The admin (username) whose action, while impersonating the learner, made this change "
            "(directly or through the roll-up); absent (null) when the learner acted themselves, "
            "for admin entries and for imports."
        ),
        examples=["support-admin"],
    )


class ProgressRecorded(_RecordedFacts):
    """A progress entry was created or changed (started, scored, completed); also sent, with
    `quiz_submission`, for every quiz submission (the quiz module's entry as it stands after it)."""

    event_type: ClassVar[str] = "ProgressRecorded"

    quiz_submission: QuizSubmissionFacts | None = Field(
        default=None,
        description="Set when a quiz submission caused this event: the submission (never its answers).",
        examples=[{"submission_id": PROGRESS_ID_EXAMPLE, "score": "80", "passed": True}],
    )

    status: ProgressStatus = Field(description="Progress after the change.", examples=["completed"])
    completed_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "When the item was completed, present exactly when `status` is `completed`; for "
            "admin entries and imports, midnight UTC of the given date."
        ),
        examples=["2025-03-24T15:45:00Z"],
    )
    recorded_at: AwareDatetime = Field(
        description="When training-progress recorded the change.",
        examples=["2025-03-24T15:45:01Z"],
    )

    @model_validator(mode="after")
    def _completed_at_iff_completed(self) -> Self:
        if (self.status is ProgressStatus.COMPLETED) != (self.completed_at is not None):
            raise ValueError("completed_at is required for, and only for, completed progress")
        return self


class TrainingCompleted(_RecordedFacts):
    """A learner completed a module, course or certification (sent once per progress entry)."""

    event_type: ClassVar[str] = "TrainingCompleted"

    completed_at: AwareDatetime = Field(
        description=("When the item was completed; for admin entries and imports, midnight UTC of the given date."),
        examples=["2025-03-24T15:45:00Z"],
    )


class ProgressDeleted(_ProgressFacts):
    """An admin deleted a progress entry (singly or in bulk).

    Deleting a module's progress does not un-complete courses containing it, and deleting a
    course's progress leaves its modules alone: each affected entry gets its own event.
    """

    event_type: ClassVar[str] = "ProgressDeleted"

    was_completed: bool = Field(description="Whether the entry was completed when deleted.", examples=[True])
    completed_at: AwareDatetime | None = Field(
        default=None,
        description="When the deleted entry had been completed, if it was.",
        examples=["2025-03-24T15:45:00Z"],
    )
    deleted_at: AwareDatetime = Field(description="When the entry was deleted.", examples=["2025-04-03T09:12:00Z"])

    @model_validator(mode="after")
    def _completed_at_only_if_completed(self) -> Self:
        if self.completed_at is not None and not self.was_completed:
            raise ValueError("completed_at is only given for completed entries")
        return self
