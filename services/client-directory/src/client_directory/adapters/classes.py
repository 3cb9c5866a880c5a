"""Classes and enrolments in client-directory's database."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from client_directory.adapters.tables import classes, clients, enrollments, learners
from client_directory.domain.classes import ClassStudent, PendingEnrolment, TrainingClass


class ClassRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, training_class: TrainingClass) -> None:
        await self._session.execute(insert(classes).values(**_row(training_class)))

    async def update(self, training_class: TrainingClass) -> None:
        await self._session.execute(
            update(classes).where(classes.c.id == training_class.id).values(**_row(training_class))
        )

    async def get(self, class_id: uuid.UUID, *, for_update: bool = False) -> TrainingClass | None:
        query = select(classes).where(classes.c.id == class_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        return TrainingClass(**row._asdict()) if row else None

    async def search(
        self, *, starts_from: date | None, starts_to: date | None, search: str | None, limit: int, offset: int
    ) -> tuple[list[TrainingClass], int]:
        """Classes overlapping [from, to] whose name contains ``search``, earliest first."""
        query = select(classes)
        if starts_from is not None:
            query = query.where(classes.c.ends_on >= starts_from)
        if starts_to is not None:
            query = query.where(classes.c.starts_on <= starts_to)
        if search and search.strip():
            query = query.where(classes.c.name.icontains(search.strip(), autoescape=True))
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.execute(
            query.order_by(classes.c.starts_on, func.lower(classes.c.name), classes.c.id).limit(limit).offset(offset)
        )
        return [TrainingClass(**row._asdict()) for row in rows], int(total or 0)

    async def enroll(
        self,
        class_id: uuid.UUID,
        customer_ids: list[uuid.UUID],
        at: datetime,
        default_client_id: uuid.UUID | None,
        client_in_class: dict[uuid.UUID, uuid.UUID | None] | None = None,
    ) -> set[uuid.UUID]:
        """Enrol the customers (with the class's default client in force now, and the client each
        has in this class); returns those who were not enrolled already."""
        in_class = client_in_class or {}
        rows = [
            {
                "class_id": class_id,
                "customer_id": c,
                "enrolled_at": at,
                "default_client_id": default_client_id,
                "client_id": in_class.get(c, default_client_id),
            }
            for c in customer_ids
        ]
        inserted = await self._session.scalars(
            pg_insert(enrollments).values(rows).on_conflict_do_nothing().returning(enrollments.c.customer_id)
        )
        return set(inserted)

    async def set_client_in_class(
        self, class_id: uuid.UUID, customer_ids: list[uuid.UUID], client_id: uuid.UUID | None
    ) -> None:
        """The client these students have in this class (the class page's assignment/removal)."""
        if customer_ids:
            await self._session.execute(
                update(enrollments)
                .where(enrollments.c.class_id == class_id, enrollments.c.customer_id.in_(customer_ids))
                .values(client_id=client_id)
            )

    async def per_client_in_class(self, class_id: uuid.UUID) -> list[tuple[uuid.UUID | None, str | None, int]]:
        """The class's enrolments counted by the client each student had in the class."""
        n = func.count().label("n")
        rows = await self._session.execute(
            select(enrollments.c.client_id, clients.c.name, n)
            .select_from(enrollments)
            .outerjoin(clients, clients.c.id == enrollments.c.client_id)
            .where(enrollments.c.class_id == class_id)
            .group_by(enrollments.c.client_id, clients.c.name)
            .order_by(func.lower(clients.c.name).nulls_last(), enrollments.c.client_id)
        )
        return [(row.client_id, row.name, int(row.n)) for row in rows]

    async def pending_of(self, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PendingEnrolment]]:
        """The enrolments of ``customer_ids`` (learners not known here: every one is pending),
        oldest first, each with the default client recorded at enrolment and whether it is
        still active."""
        if not customer_ids:
            return {}
        rows = await self._session.execute(
            select(
                enrollments.c.class_id,
                enrollments.c.customer_id,
                enrollments.c.enrolled_at,
                enrollments.c.default_client_id,
                clients.c.name,
                clients.c.active,
            )
            .outerjoin(clients, clients.c.id == enrollments.c.default_client_id)
            .where(enrollments.c.customer_id.in_(customer_ids))
            .order_by(enrollments.c.customer_id, enrollments.c.enrolled_at, enrollments.c.class_id)
        )
        found: dict[uuid.UUID, list[PendingEnrolment]] = {}
        for row in rows:
            found.setdefault(row.customer_id, []).append(
                PendingEnrolment(
                    row.class_id,
                    row.customer_id,
                    row.enrolled_at,
                    row.default_client_id,
                    row.name,
                    bool(row.active),
                )
            )
        return found

    async def students(self, class_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[ClassStudent], int]:
        """The class's students in enrolment order; those whose registration has not arrived are pending."""
        total = await self.enrollment_count(class_id)
        rows = await self._session.execute(
            select(
                enrollments.c.customer_id,
                enrollments.c.enrolled_at,
                learners.c.customer_id.is_(None).label("pending"),
                learners.c.email,
                learners.c.organization,
                learners.c.client_id,
                learners.c.reason,
                clients.c.name.label("client_name"),
            )
            .outerjoin(learners, learners.c.customer_id == enrollments.c.customer_id)
            .outerjoin(clients, clients.c.id == learners.c.client_id)
            .where(enrollments.c.class_id == class_id)
            .order_by(enrollments.c.enrolled_at, enrollments.c.customer_id)
            .limit(limit)
            .offset(offset)
        )
        return [
            ClassStudent(
                customer_id=row.customer_id,
                enrolled_at=row.enrolled_at,
                pending=row.pending,
                email=row.email,
                organization=row.organization,
                client_id=row.client_id,
                client_name=row.client_name,
                how=row.reason if row.client_id else None,
            )
            for row in rows
        ], total

    async def enrolled(self, class_id: uuid.UUID, customer_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        found = await self._session.scalars(
            select(enrollments.c.customer_id).where(
                enrollments.c.class_id == class_id, enrollments.c.customer_id.in_(customer_ids)
            )
        )
        return set(found)

    async def of_learner(self, customer_id: uuid.UUID) -> list[tuple[TrainingClass, datetime]]:
        """The classes the learner is enrolled in, with when, oldest class first."""
        rows = await self._session.execute(
            select(classes, enrollments.c.enrolled_at)
            .join(enrollments, enrollments.c.class_id == classes.c.id)
            .where(enrollments.c.customer_id == customer_id)
            .order_by(classes.c.starts_on, classes.c.id)
        )
        return [(_class(row), row.enrolled_at) for row in rows]

    async def enrollment_count(self, class_id: uuid.UUID) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(enrollments).where(enrollments.c.class_id == class_id)
        )
        return int(count or 0)


def _class(row: Row[Any]) -> TrainingClass:
    values = row._asdict()
    values.pop("enrolled_at", None)
    return TrainingClass(**values)


def _row(training_class: TrainingClass) -> dict[str, object]:
    return {
        "id": training_class.id,
        "name": training_class.name,
        "starts_on": training_class.starts_on,
        "ends_on": training_class.ends_on,
        "default_client_id": training_class.default_client_id,
        "created_at": training_class.created_at,
    }
