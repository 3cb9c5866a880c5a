"""Routes: the catalogue (modules, courses, certifications)."""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from training_progress.domain import catalogue
from training_progress.entrypoints.errors import http_errors
from training_progress.service_layer.catalogue import add_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import (
    CertificationCreate,
    CourseCreate,
    CourseModuleRef,
    ItemList,
    ItemPublic,
    ModuleCreate,
    ModuleKindName,
    QuestionPublic,
    QuizPublic,
)
from trainyard_common.vocabulary import TrainingItemType

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def add_catalogue_routes(router: APIRouter, uow_factory: Callable[[], ProgressUnitOfWork]) -> None:
    UnitOfWork = Annotated[ProgressUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    @router.post("/modules", status_code=201, tags=["catalogue"])
    async def create_module(body: ModuleCreate, uow: UnitOfWork) -> ItemPublic:
        with http_errors():
            item = catalogue.new_module(body.name, catalogue.ModuleKind(body.kind.value), _quiz(body))
            async with uow:
                await add_item(uow, item)
                await uow.commit()
        return public_item(item)

    @router.post("/courses", status_code=201, tags=["catalogue"])
    async def create_course(body: CourseCreate, uow: UnitOfWork) -> ItemPublic:
        modules = [catalogue.CourseModule(m, True) for m in body.module_ids]
        modules += [catalogue.CourseModule(m.module_id, m.required) for m in body.modules]
        with http_errors():
            item = catalogue.new_course(body.name, modules)
            async with uow:
                await add_item(uow, item)
                await uow.commit()
        return public_item(item)

    @router.post("/certifications", status_code=201, tags=["catalogue"])
    async def create_certification(body: CertificationCreate, uow: UnitOfWork) -> ItemPublic:
        with http_errors():
            item = catalogue.new_certification(body.name, body.course_ids)
            async with uow:
                await add_item(uow, item)
                await uow.commit()
        return public_item(item)

    for path, item_type in (
        ("/modules", TrainingItemType.MODULE),
        ("/courses", TrainingItemType.COURSE),
        ("/certifications", TrainingItemType.CERTIFICATION),
    ):
        _add_list_route(router, path, item_type, uow_factory)


def _add_list_route(
    router: APIRouter, path: str, item_type: TrainingItemType, uow_factory: Callable[[], ProgressUnitOfWork]
) -> None:
    UnitOfWork = Annotated[ProgressUnitOfWork, Depends(uow_factory)]  # noqa: N806 (a type alias)

    async def list_items(uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0) -> ItemList:
        async with uow:
            found, total = await uow.catalogue.of_type(item_type, search, limit, offset)
        return ItemList(items=[public_item(i) for i in found], total=total)

    router.add_api_route(path, list_items, methods=["GET"], tags=["catalogue"], summary=f"List {path[1:]}")


def _quiz(body: ModuleCreate) -> catalogue.Quiz | None:
    if body.quiz is None:
        return None
    questions = tuple(
        catalogue.Question(uuid.uuid4(), q.text, tuple(q.choices), frozenset(q.correct)) for q in body.quiz.questions
    )
    return catalogue.Quiz(questions, Decimal(body.quiz.pass_mark), body.quiz.attempt_limit)


def public_item(item: catalogue.Item) -> ItemPublic:
    quiz = item.quiz
    return ItemPublic(
        id=item.id,
        type=item.type,
        name=item.name,
        kind=ModuleKindName(item.kind.value) if item.kind else None,
        quiz=QuizPublic(
            questions=[
                QuestionPublic(id=q.id, text=q.text, choices=list(q.choices), correct=sorted(q.correct))
                for q in quiz.questions
            ],
            pass_mark=quiz.pass_mark,
            attempt_limit=quiz.attempt_limit,
        )
        if quiz
        else None,
        modules=[CourseModuleRef(module_id=m.module_id, required=m.required) for m in item.modules]
        if item.type is TrainingItemType.COURSE
        else None,
        module_ids=[m.module_id for m in item.modules] if item.type is TrainingItemType.COURSE else None,
        course_ids=item.course_ids if item.type is TrainingItemType.CERTIFICATION else None,
    )
