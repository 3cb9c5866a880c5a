"""The catalogue in PostgreSQL: items, course modules, certification courses, quiz questions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import certification_courses, course_modules, items
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Question, Quiz, name_key
from trainyard_common.db.text_search import LIKE_ESCAPE, contains_pattern
from trainyard_common.vocabulary import TrainingItemType


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, item: Item) -> None:
        await self._session.execute(insert(items).values(**_item_values(item), created_at=datetime.now(UTC)))
        await self._add_parts(item)

    async def _add_parts(self, item: Item) -> None:
        if item.modules:
            await self._session.execute(
                insert(course_modules),
                [
                    {"course_id": item.id, "module_id": m.module_id, "position": i, "required": m.required}
                    for i, m in enumerate(item.modules)
                ],
            )
        if item.course_ids:
            await self._session.execute(
                insert(certification_courses),
                [{"certification_id": item.id, "course_id": c, "position": i} for i, c in enumerate(item.course_ids)],
            )

    async def name_taken(self, item_type: TrainingItemType, name: str, other_than: uuid.UUID | None = None) -> bool:
        chosen = select(items.c.id).where(items.c.item_type == item_type.value, items.c.name_key == name_key(name))
        if other_than is not None:
            chosen = chosen.where(items.c.id != other_than)
        found = await self._session.scalar(chosen)
        return found is not None

    async def update(self, item: Item) -> None:
        """Store a revised item: its row, and its structure replaced (positions as given)."""
        values = _item_values(item)
        del values["id"]
        await self._session.execute(update(items).where(items.c.id == item.id).values(**values))
        if item.type is TrainingItemType.COURSE:
            await self._session.execute(delete(course_modules).where(course_modules.c.course_id == item.id))
        if item.type is TrainingItemType.CERTIFICATION:
            await self._session.execute(
                delete(certification_courses).where(certification_courses.c.certification_id == item.id)
            )
        await self._add_parts(item)

    async def lock(self, item_id: uuid.UUID) -> None:
        await self._session.execute(select(items.c.id).where(items.c.id == item_id).with_for_update())

    async def inactive(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._session.scalars(select(items.c.id).where(items.c.id.in_(list(ids)), ~items.c.active))
        return set(rows)

    async def existing(self, item_type: TrainingItemType, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._session.scalars(
            select(items.c.id).where(items.c.item_type == item_type.value, items.c.id.in_(list(ids)))
        )
        return set(rows)

    async def get(self, item_id: uuid.UUID) -> Item | None:
        row = (await self._session.execute(select(items).where(items.c.id == item_id))).first()
        if row is None:
            return None
        item = _item(row._mapping)
        if item.type is TrainingItemType.COURSE:
            item.modules = await self._modules_of(item.id)
        elif item.type is TrainingItemType.CERTIFICATION:
            item.course_ids = await self._courses_of(item.id)
        return item

    async def of_type(
        self,
        item_type: TrainingItemType,
        search: str | None,
        limit: int,
        offset: int,
        *,
        include_inactive: bool = False,
    ) -> tuple[list[Item], int]:
        chosen = select(items).where(items.c.item_type == item_type.value)
        if not include_inactive:
            chosen = chosen.where(items.c.active)
        if search:
            chosen = chosen.where(items.c.name.ilike(contains_pattern(search), escape=LIKE_ESCAPE))
        total = int(await self._session.scalar(select(func.count()).select_from(chosen.subquery())) or 0)
        rows = await self._session.execute(chosen.order_by(items.c.name_key, items.c.id).limit(limit).offset(offset))
        found = [_item(r._mapping) for r in rows]
        for item in found:
            if item.type is TrainingItemType.COURSE:
                item.modules = await self._modules_of(item.id)
            elif item.type is TrainingItemType.CERTIFICATION:
                item.course_ids = await self._courses_of(item.id)
        return found, total

    async def _modules_of(self, course_id: uuid.UUID) -> list[CourseModule]:
        rows = await self._session.execute(
            select(course_modules.c.module_id, course_modules.c.required)
            .where(course_modules.c.course_id == course_id)
            .order_by(course_modules.c.position)
        )
        return [CourseModule(r.module_id, r.required) for r in rows]

    async def _courses_of(self, certification_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self._session.scalars(
            select(certification_courses.c.course_id)
            .where(certification_courses.c.certification_id == certification_id)
            .order_by(certification_courses.c.position)
        )
        return list(rows)


def _item_values(item: Item) -> dict[str, Any]:
    quiz = item.quiz
    return {
        "id": item.id,
        "item_type": item.type.value,
        "name": item.name,
        "name_key": name_key(item.name),
        "kind": item.kind.value if item.kind else None,
        "pass_mark": quiz.pass_mark if quiz else None,
        "attempt_limit": quiz.attempt_limit if quiz else None,
        "questions": [_question_json(q) for q in quiz.questions] if quiz else None,
        "active": item.active,
        "event_date": item.event_date,
        "place": item.place,
    }


def _question_json(question: Question) -> dict[str, Any]:
    return {
        "id": str(question.id),
        "text": question.text,
        "choices": list(question.choices),
        "correct": sorted(question.correct),
    }


def _item(row: Any) -> Item:
    quiz = None
    if row["questions"] is not None:
        questions = tuple(
            Question(uuid.UUID(q["id"]), q["text"], tuple(q["choices"]), frozenset(q["correct"]))
            for q in row["questions"]
        )
        quiz = Quiz(questions, Decimal(row["pass_mark"]), row["attempt_limit"])
    kind = ModuleKind(row["kind"]) if row["kind"] else None
    return Item(
        row["id"],
        TrainingItemType(row["item_type"]),
        row["name"],
        kind=kind,
        quiz=quiz,
        active=row["active"],
        event_date=row["event_date"],
        place=row["place"],
    )
