"""Classes: a name, dates and an optional default client applied to learners enrolled afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from client_directory.domain.errors import InvalidInput


@dataclass(slots=True)
class TrainingClass:
    name: str
    starts_on: date
    ends_on: date
    default_client_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def check(self) -> TrainingClass:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise InvalidInput("name", "must not be blank")
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on", "must not be before starts_on")
        return self


@dataclass(frozen=True, slots=True)
class ClassChanges:
    """What an admin changes on a class; ``None`` leaves a field, ``set_default`` says whether
    ``default_client_id`` (possibly ``None``: no default) is part of the change."""

    name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    set_default: bool = False
    default_client_id: uuid.UUID | None = None


def change_class(training_class: TrainingClass, changes: ClassChanges) -> TrainingClass:
    """Changing the default client touches no earlier enrolment: it is only read at enrolment."""
    if changes.name is not None:
        training_class.name = changes.name
    if changes.starts_on is not None:
        training_class.starts_on = changes.starts_on
    if changes.ends_on is not None:
        training_class.ends_on = changes.ends_on
    if changes.set_default:
        training_class.default_client_id = changes.default_client_id
    return training_class.check()


@dataclass(frozen=True, slots=True)
class PendingEnrolment:
    """An enrolment made before the learner's registration reached client-directory: the
    class's default client as it was then (``None``: none, or inactive) is applied when the
    learner arrives, if that client is still active."""

    class_id: uuid.UUID
    customer_id: uuid.UUID
    enrolled_at: datetime
    default_client_id: uuid.UUID | None
    default_client_name: str | None = None
    default_client_active: bool = False


@dataclass(frozen=True, slots=True)
class ClassStudent:
    """A student on a class's list. ``pending``: enrolled, but their registration has not
    reached client-directory yet (no e-mail, no client until it does)."""

    customer_id: uuid.UUID
    enrolled_at: datetime
    pending: bool
    email: str | None = None
    organization: str | None = None
    client_id: uuid.UUID | None = None
    client_name: str | None = None
    how: str | None = None
