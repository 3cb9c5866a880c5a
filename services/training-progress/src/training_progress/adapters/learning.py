"""Quiz submissions and SCORM CMI data in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import cmi_data, quiz_submissions
from training_progress.domain.quizzes import Submission
from trainyard_common.vocabulary import ProgressSource


class SubmissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, submission: Submission) -> None:
        answers = {str(q): sorted(chosen) for q, chosen in submission.answers.items()}
        await self._session.execute(
            insert(quiz_submissions).values(
                id=submission.id,
                customer_id=submission.customer_id,
                quiz_id=submission.quiz_id,
                submitted_at=submission.submitted_at,
                score=submission.score,
                passed=submission.passed,
                answers=answers,
                source=submission.source.value,
                impersonated_by=submission.impersonated_by,
            )
        )

    async def count(self, customer_id: uuid.UUID, quiz_id: uuid.UUID) -> int:
        found = await self._session.scalar(
            select(func.count()).where(
                quiz_submissions.c.customer_id == customer_id, quiz_submissions.c.quiz_id == quiz_id
            )
        )
        return int(found or 0)

    async def of_customer(self, customer_id: uuid.UUID, quiz_id: uuid.UUID | None = None) -> list[Submission]:
        chosen = select(quiz_submissions).where(quiz_submissions.c.customer_id == customer_id)
        if quiz_id is not None:
            chosen = chosen.where(quiz_submissions.c.quiz_id == quiz_id)
        rows = await self._session.execute(chosen.order_by(quiz_submissions.c.submitted_at, quiz_submissions.c.id))
        return [_submission(r._mapping) for r in rows]

    async def of_quiz(  # noqa: PLR0917 (the report's filters and page)
        self,
        quiz_id: uuid.UUID,
        passed: bool | None,
        from_day: date | None,
        to_day: date | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Submission], int]:
        """The Quiz Response Report's page: newest first; days are UTC, both ends included."""
        chosen = select(quiz_submissions).where(quiz_submissions.c.quiz_id == quiz_id)
        if passed is not None:
            chosen = chosen.where(quiz_submissions.c.passed.is_(passed))
        if from_day is not None:
            chosen = chosen.where(quiz_submissions.c.submitted_at >= datetime.combine(from_day, time(), UTC))
        if to_day is not None:
            after = datetime.combine(to_day + timedelta(days=1), time(), UTC)
            chosen = chosen.where(quiz_submissions.c.submitted_at < after)
        total = int(await self._session.scalar(select(func.count()).select_from(chosen.subquery())) or 0)
        rows = await self._session.execute(
            chosen.order_by(quiz_submissions.c.submitted_at.desc(), quiz_submissions.c.id).limit(limit).offset(offset)
        )
        return [_submission(r._mapping) for r in rows], total

    async def remove(self, submission_id: uuid.UUID) -> bool:
        result = await self._session.execute(delete(quiz_submissions).where(quiz_submissions.c.id == submission_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_customer(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(quiz_submissions).where(quiz_submissions.c.customer_id == customer_id))

    async def forget_answers(self, customer_id: uuid.UUID) -> None:
        """Erasure: the responses the customer chose go; the fact, score, pass and dates stay (anonymous)."""
        await self._session.execute(
            update(quiz_submissions).where(quiz_submissions.c.customer_id == customer_id).values(answers={})
        )


class CmiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(
        self,
        customer_id: uuid.UUID,
        module_id: uuid.UUID,
        data: dict[str, Any],
        now: datetime,
        impersonated_by: str | None = None,
    ) -> None:
        """Store the data, naming the admin who sent it while impersonating the learner (None: the learner)."""
        changes = {"data": data, "updated_at": now, "impersonated_by": impersonated_by}
        stmt = pg_insert(cmi_data).values(customer_id=customer_id, module_id=module_id, **changes)
        await self._session.execute(
            stmt.on_conflict_do_update(index_elements=["customer_id", "module_id"], set_=changes)
        )

    async def clear(self, customer_id: uuid.UUID, module_id: uuid.UUID) -> bool:
        result = await self._session.execute(
            delete(cmi_data).where(cmi_data.c.customer_id == customer_id, cmi_data.c.module_id == module_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def of_customer(self, customer_id: uuid.UUID) -> list[tuple[uuid.UUID, dict[str, Any], datetime]]:
        rows = await self._session.execute(
            select(cmi_data.c.module_id, cmi_data.c.data, cmi_data.c.updated_at).where(
                cmi_data.c.customer_id == customer_id
            )
        )
        return [(r.module_id, r.data, r.updated_at) for r in rows]

    async def delete_customer(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(cmi_data).where(cmi_data.c.customer_id == customer_id))


def _submission(row: Any) -> Submission:
    return Submission(
        id=row["id"],
        customer_id=row["customer_id"],
        quiz_id=row["quiz_id"],
        submitted_at=row["submitted_at"],
        score=row["score"],
        passed=row["passed"],
        answers={uuid.UUID(q): frozenset(chosen) for q, chosen in row["answers"].items()},
        source=ProgressSource(row["source"]),
        impersonated_by=row["impersonated_by"],
    )
