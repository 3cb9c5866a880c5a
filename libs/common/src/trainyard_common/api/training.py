"""training-progress's HTTP bodies, shared by the service and the gateway (declared once).

Scores are percentages, ``Decimal`` (a decimal string on the wire). Dates are ``YYYY-MM-DD``;
timestamps ISO 8601 with offset.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from trainyard_common.api.paging import CappedTotal
from trainyard_common.contracts.common import Percentage
from trainyard_common.vocabulary import ProgressSource, ProgressStatus, TrainingItemType

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Score = Annotated[Percentage, Field(max_digits=5, decimal_places=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModuleKindName(StrEnum):
    CONTENT = "content"
    SCORM = "scorm"
    QUIZ = "quiz"
    IN_PERSON = "in_person"


class QuestionCreate(_Strict):
    text: str = Field(min_length=1, max_length=2000, examples=["Which scale is ordinal?"])
    choices: list[Annotated[str, Field(max_length=1000)]] = Field(min_length=2, max_length=20)
    correct: list[Annotated[int, Field(ge=0)]] = Field(
        min_length=1, max_length=20, description="Indexes of the correct choices (all must be chosen)."
    )


class QuizCreate(_Strict):
    questions: list[QuestionCreate] = Field(min_length=1, max_length=200)
    pass_mark: Score = Field(examples=["80"])
    attempt_limit: int | None = Field(default=None, ge=1, le=1000, description="Null: unlimited attempts.")


class ModuleCreate(_Strict):
    name: Name = Field(examples=["Survey Design 101"])
    kind: ModuleKindName = Field(default=ModuleKindName.CONTENT)
    quiz: QuizCreate | None = Field(default=None, description="Required for, and only for, quiz modules.")
    date: _dt.date | None = Field(default=None, description="In-person modules: the event's day (required).")
    place: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="In-person modules: where the event is held (required)."
    )


class CourseModuleRef(_Strict):
    module_id: uuid.UUID
    required: bool = True


class CourseCreate(_Strict):
    name: Name = Field(examples=["Survey Foundations"])
    module_ids: list[uuid.UUID] = Field(default=[], max_length=500, description="All required.")
    modules: list[CourseModuleRef] = Field(
        default=[], max_length=500, description="Ordered modules with `required`; instead of `module_ids`."
    )


class CertificationCreate(_Strict):
    name: Name = Field(examples=["Certified Survey Designer"])
    course_ids: list[uuid.UUID] = Field(default=[], max_length=500)


class ModuleUpdate(_Strict):
    """PATCH a module: only what is given changes (issue 17, item 12)."""

    name: Name | None = None
    active: bool | None = Field(default=None, description="Inactive: kept in reports and progress, not listed.")
    date: _dt.date | None = Field(default=None, description="In-person modules only: the event's day.")
    place: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="In-person modules only: where the event is held."
    )


class CourseUpdate(_Strict):
    name: Name | None = None
    module_ids: list[uuid.UUID] | None = Field(default=None, max_length=500, description="All required.")
    modules: list[CourseModuleRef] | None = Field(
        default=None, max_length=500, description="Ordered modules with `required`; instead of `module_ids`."
    )
    active: bool | None = None


class CertificationUpdate(_Strict):
    name: Name | None = None
    course_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    active: bool | None = None


class QuestionPublic(BaseModel):
    id: uuid.UUID
    text: str
    choices: list[str]
    correct: list[int]


class QuizPublic(BaseModel):
    questions: list[QuestionPublic]
    pass_mark: Score
    attempt_limit: int | None


class ItemPublic(BaseModel):
    id: uuid.UUID
    type: TrainingItemType
    name: str
    kind: ModuleKindName | None = None
    quiz: QuizPublic | None = None
    modules: list[CourseModuleRef] | None = None
    module_ids: list[uuid.UUID] | None = None
    course_ids: list[uuid.UUID] | None = None
    active: bool = True
    date: _dt.date | None = Field(default=None, description="In-person modules: the event's day.")
    place: str | None = Field(default=None, description="In-person modules: where the event is held.")


class ItemList(BaseModel):
    items: list[ItemPublic]
    total: int


class PartnerRef(BaseModel):
    id: uuid.UUID
    name: str


class ProgressPublic(BaseModel):
    id: uuid.UUID
    item_type: TrainingItemType
    item_id: uuid.UUID
    item_name: str
    customer_id: uuid.UUID
    user_name: str | None = Field(description="Null when the customer is unknown here or erased.")
    user_email: str | None
    partner: PartnerRef | None
    status: ProgressStatus
    score: Decimal | None = None
    source: ProgressSource
    started_at: datetime | None
    completed_at: datetime | None
    required_modules: int | None = Field(default=None, description="Courses: how many required modules.")
    required_modules_completed: int | None = Field(
        default=None, description="Courses: how many of them the learner has completed now."
    )


class ProgressList(CappedTotal):
    items: list[ProgressPublic]
    total: int


class ManualCompletionCreate(_Strict):
    training_type: TrainingItemType
    item_id: uuid.UUID
    customer_id: uuid.UUID
    completed_on: date = Field(description="Today or a past date.")
    partner_id: uuid.UUID | None = Field(default=None, description="The partner the user belongs to (checked).")


class ProgressFilter(_Strict):
    """The Training Progress tab's filters, as ``GET /training-progress`` takes them."""

    type: TrainingItemType = TrainingItemType.MODULE
    name: Annotated[str, Field(max_length=200)] | None = None
    partner_id: uuid.UUID | None = None
    user: Annotated[str, Field(max_length=200)] | None = None
    progress: ProgressStatus | None = None


class ProgressDeletion(_Strict):
    """Either ``ids``, or ``filter`` with ``expected_count`` (select all: 409 when the count differs)."""

    ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=10_000)
    filter: ProgressFilter | None = None
    expected_count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_way(self) -> ProgressDeletion:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        if self.filter is not None and self.expected_count is None:
            raise ValueError("a filter needs expected_count")
        if self.ids is not None and self.expected_count is not None:
            raise ValueError("expected_count goes with a filter")
        return self


class ProgressDeletionResult(BaseModel):
    deleted: int


class ImportStatus(StrEnum):
    ANALYSING = "analysing"
    ANALYSED = "analysed"
    COMMITTING = "committing"
    COMMITTED = "committed"
    FAILED = "failed"


class ImportPublic(BaseModel):
    id: uuid.UUID
    status: ImportStatus
    file_name: str | None
    created_at: datetime
    rows_read: int = Field(description="Data rows read so far (the analysis's progress).")
    new: int
    already_completed: int
    errors: int
    imported: int | None = Field(description="Entries written by the commit.")
    committed_at: datetime | None
    failure: str | None


class LearnerStatus(StrEnum):
    STARTED = "started"
    COMPLETED = "completed"


class LearnerProgressCreate(_Strict):
    item_type: TrainingItemType
    item_id: uuid.UUID
    status: LearnerStatus
    score: Score | None = None


class QuizAnswers(_Strict):
    answers: dict[uuid.UUID, list[Annotated[int, Field(ge=0)]]] = Field(
        description="Question id → indexes of the chosen choices.", max_length=200
    )


class QuizResponse(BaseModel):
    question_id: uuid.UUID
    question: str
    chosen: list[int]
    correct: list[int]
    is_correct: bool


class SubmissionPublic(BaseModel):
    id: uuid.UUID
    quiz_id: uuid.UUID
    quiz_name: str | None = None
    submitted_at: datetime
    score: Score
    passed: bool
    source: ProgressSource
    attempt: int | None = Field(default=None, description="The learner's attempt number (on submission).")
    attempts_left: int | None = Field(default=None, description="Null: unlimited.")
    responses: list[QuizResponse] = []


class LearnerQuizResponse(BaseModel):
    """One question of the learner's own attempt: what they chose and whether it was right; never
    the correct choices (the answer key stays with the admins)."""

    question_id: uuid.UUID
    question: str
    chosen: list[int]
    is_correct: bool


class LearnerSubmission(BaseModel):
    """The learner's view of their quiz attempt: score, passed, per-question right or wrong."""

    id: uuid.UUID
    quiz_id: uuid.UUID
    quiz_name: str | None = None
    submitted_at: datetime
    score: Score
    passed: bool
    attempt: int | None = Field(default=None, description="The learner's attempt number.")
    attempts_left: int | None = Field(default=None, description="Null: unlimited.")
    responses: list[LearnerQuizResponse] = []


class SubmissionList(BaseModel):
    items: list[SubmissionPublic]
    total: int


class QuizCompletionStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class QuizCompletionCreate(_Strict):
    quiz_id: uuid.UUID
    status: QuizCompletionStatus
    submitted_at: AwareDatetime
    score: Score


class TranscriptEdit(_Strict):
    status: ProgressStatus | None = None
    completed_at: AwareDatetime | None = None
    score: Score | None = Field(default=None, description="Modules only; null clears it when given.")
    attended: bool | None = Field(
        default=None,
        description="In-person modules only (else 422 `not_in_person`): true completes the module (on the "
        "event's day unless `completed_at` is given) and rolls up; false reopens a completed one.",
    )


class TranscriptModule(BaseModel):
    module_id: uuid.UUID
    name: str
    required: bool
    status: str = Field(examples=["not_started", "in_progress", "completed"])
    score: Decimal | None
    completed_at: datetime | None


class TranscriptItem(BaseModel):
    item_type: TrainingItemType
    item_id: uuid.UUID
    name: str
    kind: ModuleKindName | None = None
    progress_id: uuid.UUID | None
    status: str = Field(examples=["not_started", "in_progress", "completed"])
    score: Decimal | None
    started_at: datetime | None
    completed_at: datetime | None
    access: str = Field(description="active, expired, revoked or none.", examples=["active"])
    access_expires_on: date | None = Field(description="Last day of access; null when unlimited or no access.")
    modules: list[TranscriptModule] | None = Field(default=None, description="Courses: their modules.")


class Transcript(BaseModel):
    customer_id: uuid.UUID
    items: list[TranscriptItem]


class Transcripts(BaseModel):
    items: list[Transcript] = Field(description="One per customer asked for, in their order.")


class QuizResponseSource(StrEnum):
    LEARNER = "learner"
    ADMIN_COMPLETION = "admin_completion"


class QuizReportItem(BaseModel):
    """One submission in the Quiz Response Report (issue 17, item 8)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    user_name: str | None = Field(description="Null when the customer is unknown here or erased.")
    user_email: str | None
    submitted_at: datetime
    status: QuizCompletionStatus
    score: Score
    source: QuizResponseSource
    responses: list[QuizResponse]


class QuizReport(BaseModel):
    quiz_id: uuid.UUID
    quiz_name: str
    items: list[QuizReportItem]
    total: int


class RecentCompletion(BaseModel):
    progress_id: uuid.UUID
    customer_id: uuid.UUID
    user_name: str | None
    item_type: TrainingItemType
    item_id: uuid.UUID
    item_name: str
    completed_at: datetime


class TopCertification(BaseModel):
    certification_id: uuid.UUID
    name: str
    completions: int


class PartnerTrainingSummary(BaseModel):
    partner_id: uuid.UUID
    recent_activity: list[RecentCompletion]
    top_certifications: list[TopCertification]


CmiData = dict[str, Any]
"""SCORM run-time data, stored as sent (SCORM 1.2 `cmi.core.*` or 2004 `cmi.*`, flat or nested)."""
