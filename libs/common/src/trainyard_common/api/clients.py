"""Bodies of client-directory's API, shared by the service and the gateway that fronts it.

The gateway validates requests with them (a clear 422 before any service is called) and
documents the service's answers with them; the service parses and answers with the same ones.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from trainyard_common.api.paging import CappedTotal


class ClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Explorance"])
    industry: str = Field(description="One of GET /api/v1/admin/industries.", examples=["Technology"])
    email_domains: list[str] = Field(default_factory=list, max_length=100, examples=[["explorance.com"]])
    aliases: list[str] = Field(default_factory=list, max_length=100, examples=[["Explorance Inc"]])


class ClientUpdate(BaseModel):
    """Only the fields sent change; `email_domains` and `aliases` replace the whole list."""

    name: str | None = Field(default=None, min_length=1, max_length=200, examples=["Explorance"])
    industry: str | None = Field(default=None, description="One of GET /api/v1/admin/industries.")
    email_domains: list[str] | None = Field(default=None, max_length=100, examples=[["explorance.com"]])
    aliases: list[str] | None = Field(default=None, max_length=100, examples=[["Explorance Inc"]])
    active: bool | None = Field(
        default=None, description="false: out of pick lists and automatic mapping; reports keep its data."
    )


class ClientPublic(BaseModel):
    id: uuid.UUID
    name: str
    industry: str
    email_domains: list[str]
    aliases: list[str]
    active: bool
    created_at: datetime


class ClientList(CappedTotal):
    items: list[ClientPublic]
    total: int


class IndustryList(BaseModel):
    items: list[str]


class LearnerPublic(BaseModel):
    customer_id: uuid.UUID
    email: str | None = Field(description="Null once the customer was erased.")
    organization: str | None
    how: str | None = Field(description="How the learner came to this client: domain, alias, class or manual.")
    assigned_at: datetime | None


class LearnerList(BaseModel):
    items: list[LearnerPublic]
    total: int


class ClassCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Survey Design, March cohort"])
    starts_on: date = Field(examples=["2025-03-03"])
    ends_on: date = Field(examples=["2025-03-07"])
    default_client_id: uuid.UUID | None = Field(
        default=None, description="Applied to learners enrolled afterwards (an active client)."
    )


class ClassUpdate(BaseModel):
    """Only the fields sent change; `default_client_id: null` removes the default (earlier
    enrolments keep the client they got)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    default_client_id: uuid.UUID | None = None


class ClassPublic(BaseModel):
    id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    default_client_id: uuid.UUID | None
    created_at: datetime
    enrollments: int | None = Field(default=None, description="Learners enrolled (on the class's own page).")


class ClassList(BaseModel):
    items: list[ClassPublic]
    total: int


class CustomerIds(BaseModel):
    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class ClientAssignment(CustomerIds):
    client_id: uuid.UUID = Field(description="An active client.")


class EnrollmentResult(BaseModel):
    enrolled: list[uuid.UUID]
    already_enrolled: list[uuid.UUID]
    default_client_id: uuid.UUID | None = Field(description="The class's client applied to the newly enrolled.")
    pending: list[uuid.UUID] = Field(
        default_factory=list,
        description="Enrolled, but their registration has not reached client-directory yet: the class's "
        "client applies when it does.",
    )


class ClientRef(BaseModel):
    id: uuid.UUID
    name: str


class ClassStudent(BaseModel):
    customer_id: uuid.UUID
    status: Literal["enrolled", "pending"] = Field(
        description="pending: the student's registration has not reached client-directory yet."
    )
    enrolled_at: datetime
    email: str | None = Field(description="Null while pending, or once the customer was erased.")
    organization: str | None
    client: ClientRef | None = Field(description="The student's current client, if any.")
    how: str | None = Field(description="How the student came to that client: domain, alias, class or manual.")


class ClassStudentList(BaseModel):
    items: list[ClassStudent]
    total: int


class StudentsChanged(BaseModel):
    customer_ids: list[uuid.UUID]


class TrainingCounts(BaseModel):
    in_progress: int
    completed: int


class ClientReportPublic(BaseModel):
    client_id: uuid.UUID
    client_name: str
    industry: str
    active: bool
    learners: int = Field(description="Learners currently mapped to the client.")
    enrollments: int = Field(description="Class enrolments of those learners (classes starting in the range).")
    progress: dict[str, TrainingCounts] = Field(description="By training type: module, course, certification.")
    orders: int
    revenue: dict[str, Decimal] = Field(description="Order totals by currency.")


class ClientReportList(BaseModel):
    items: list[ClientReportPublic]
    total: int


class ClassReportRow(BaseModel):
    client_id: uuid.UUID | None = Field(description="Null: enrolments of students who had no client in the class.")
    client_name: str | None
    enrollments: int


class ClassReportPublic(BaseModel):
    """Each enrolment counted for the client the student had in that class (not their current one)."""

    class_id: uuid.UUID
    class_name: str
    starts_on: date
    ends_on: date
    enrollments: int
    items: list[ClassReportRow]


class LearnerClientChange(BaseModel):
    client_id: uuid.UUID | None = Field(description="Any active client; null removes the learner's client.")


class LearnerClientPublic(BaseModel):
    customer_id: uuid.UUID
    client: ClientRef | None
    how: str | None = Field(description="domain, alias, class or manual.", examples=["manual"])
    assigned_at: datetime | None
