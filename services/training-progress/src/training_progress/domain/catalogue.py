"""The catalogue: modules (content, SCORM or quiz), courses made of modules, certifications made of courses.

Names are unique per type, compared case-insensitively and without surrounding spaces: the
progress import finds items by name, so two items of one type may never answer to one name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from trainyard_common.domain_errors import InvalidInput
from trainyard_common.vocabulary import ModuleKind, TrainingItemType

__all__ = ["ModuleKind"]  # content, scorm, quiz (all taken online) and in_person (issue 17, item 7)


class CatalogueError(InvalidInput):
    """An item that cannot exist as described: 422, the reason both headline and the field's."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(field_name, reason, message=reason)


def name_key(name: str) -> str:
    """What names are compared by: trimmed, case-folded, inner spaces collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Question:
    id: uuid.UUID
    text: str
    choices: tuple[str, ...]
    correct: frozenset[int]
    """Indexes into ``choices``: every one must be chosen, and nothing else."""

    def check(self) -> None:
        if len(self.choices) < 2:
            raise CatalogueError("questions", f"question {self.text!r} needs at least two choices")
        if not self.correct or any(i < 0 or i >= len(self.choices) for i in self.correct):
            raise CatalogueError("questions", f"question {self.text!r} needs correct answers among its choices")


@dataclass(frozen=True, slots=True)
class Quiz:
    questions: tuple[Question, ...]
    pass_mark: Decimal
    """Lowest passing score, in percent."""
    attempt_limit: int | None
    """How many submissions a learner may make; None: unlimited."""

    def check(self) -> None:
        if not self.questions:
            raise CatalogueError("questions", "a quiz needs at least one question")
        for question in self.questions:
            question.check()
        if not Decimal(0) <= self.pass_mark <= Decimal(100):
            raise CatalogueError("pass_mark", "the pass mark is a percentage from 0 to 100")
        if self.attempt_limit is not None and self.attempt_limit < 1:
            raise CatalogueError("attempt_limit", "the attempt limit is at least 1")


@dataclass(frozen=True, slots=True)
class CourseModule:
    module_id: uuid.UUID
    required: bool = True


@dataclass(slots=True)
class Item:
    """One catalogue item. Only modules have a kind (and quizzes a quiz); only courses have modules,
    only certifications courses."""

    id: uuid.UUID
    type: TrainingItemType
    name: str
    kind: ModuleKind | None = None
    quiz: Quiz | None = None
    modules: list[CourseModule] = field(default_factory=list)
    course_ids: list[uuid.UUID] = field(default_factory=list)
    active: bool = True
    """False: deactivated (issue 17, item 12): kept in reports and progress, gone from pick lists."""
    event_date: date | None = None
    """In-person modules: the event's day (issue 17, item 7)."""
    place: str | None = None
    """In-person modules: where the event is held."""

    def check(self) -> None:
        if not self.name.strip():
            raise CatalogueError("name", "a name is required")
        self._check_event()
        if (self.kind is ModuleKind.QUIZ) != (self.quiz is not None):
            raise CatalogueError("quiz", "a quiz module needs its questions, and only a quiz module has them")
        if self.quiz is not None:
            self.quiz.check()
        ids = [m.module_id for m in self.modules]
        if len(set(ids)) != len(ids):
            raise CatalogueError("module_ids", "a module appears twice in the course")
        if len(set(self.course_ids)) != len(self.course_ids):
            raise CatalogueError("course_ids", "a course appears twice in the certification")

    def _check_event(self) -> None:
        """An in-person module has its date and place; no other item has either (refused, not ignored)."""
        if self.kind is ModuleKind.IN_PERSON:
            if self.event_date is None:
                raise CatalogueError("date", "an in-person module needs the date of its event")
            if not (self.place or "").strip():
                raise CatalogueError("place", "an in-person module needs the place of its event")
            return
        if self.event_date is not None:
            raise CatalogueError("date", "only an in-person module has a date")
        if self.place is not None:
            raise CatalogueError("place", "only an in-person module has a place")


def new_module(
    name: str,
    kind: ModuleKind,
    quiz: Quiz | None = None,
    *,
    event_date: date | None = None,
    place: str | None = None,
) -> Item:
    item = Item(
        uuid.uuid4(),
        TrainingItemType.MODULE,
        name.strip(),
        kind=kind,
        quiz=quiz,
        event_date=event_date,
        place=place.strip() if place is not None else None,
    )
    item.check()
    return item


def new_course(name: str, modules: list[CourseModule]) -> Item:
    item = Item(uuid.uuid4(), TrainingItemType.COURSE, name.strip(), modules=modules)
    item.check()
    return item


def new_certification(name: str, course_ids: list[uuid.UUID]) -> Item:
    item = Item(uuid.uuid4(), TrainingItemType.CERTIFICATION, name.strip(), course_ids=course_ids)
    item.check()
    return item


@dataclass(frozen=True, slots=True)
class Revision:
    """An admin's change to an item (``PATCH``): only what is given (not None) changes. ``modules``
    only for courses, ``course_ids`` only for certifications."""

    name: str | None = None
    modules: list[CourseModule] | None = None
    course_ids: list[uuid.UUID] | None = None
    active: bool | None = None
    event_date: date | None = None
    """In-person modules only."""
    place: str | None = None
    """In-person modules only."""


def revise(item: Item, revision: Revision) -> Item:
    """The item as revised (checked); ``item`` itself is left alone."""
    if revision.modules is not None and item.type is not TrainingItemType.COURSE:
        raise CatalogueError("module_ids", f"a {item.type.value} has no modules")
    if revision.course_ids is not None and item.type is not TrainingItemType.CERTIFICATION:
        raise CatalogueError("course_ids", f"a {item.type.value} has no courses")
    revised = Item(
        item.id,
        item.type,
        revision.name.strip() if revision.name is not None else item.name,
        kind=item.kind,
        quiz=item.quiz,
        modules=list(revision.modules) if revision.modules is not None else list(item.modules),
        course_ids=list(revision.course_ids) if revision.course_ids is not None else list(item.course_ids),
        active=revision.active if revision.active is not None else item.active,
        event_date=revision.event_date if revision.event_date is not None else item.event_date,
        place=revision.place.strip() if revision.place is not None else item.place,
    )
    revised.check()
    return revised


def added_parts(before: Item, after: Item) -> list[uuid.UUID]:
    """Parts ``after`` has that ``before`` had not (an inactive item may not be newly picked)."""
    had = {m.module_id for m in before.modules} | set(before.course_ids)
    return [p for p in [m.module_id for m in after.modules] + after.course_ids if p not in had]
