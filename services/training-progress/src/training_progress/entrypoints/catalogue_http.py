"""Routes: the catalogue (modules, courses, certifications)."""

import uuid
from decimal import Decimal

from fastapi import APIRouter

from training_progress.domain import catalogue
from training_progress.entrypoints.deps import UnitOfWork
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
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.vocabulary import TrainingItemType

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.post("/modules", status_code=201)
async def create_module(body: ModuleCreate, uow: UnitOfWork) -> ItemPublic:
    item = catalogue.new_module(body.name, catalogue.ModuleKind(body.kind.value), _quiz(body))
    return public_item(await add_item(uow, item))


@router.post("/courses", status_code=201)
async def create_course(body: CourseCreate, uow: UnitOfWork) -> ItemPublic:
    modules = [catalogue.CourseModule(m, True) for m in body.module_ids]
    modules += [catalogue.CourseModule(m.module_id, m.required) for m in body.modules]
    return public_item(await add_item(uow, catalogue.new_course(body.name, modules)))


@router.post("/certifications", status_code=201)
async def create_certification(body: CertificationCreate, uow: UnitOfWork) -> ItemPublic:
    return public_item(await add_item(uow, catalogue.new_certification(body.name, body.course_ids)))


@router.get("/modules", summary="List modules")
async def list_modules(uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0) -> ItemList:
    return await _list(uow, TrainingItemType.MODULE, search, limit, offset)


@router.get("/courses", summary="List courses")
async def list_courses(uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0) -> ItemList:
    return await _list(uow, TrainingItemType.COURSE, search, limit, offset)


@router.get("/certifications", summary="List certifications")
async def list_certifications(
    uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0
) -> ItemList:
    return await _list(uow, TrainingItemType.CERTIFICATION, search, limit, offset)


async def _list(
    uow: ProgressUnitOfWork, item_type: TrainingItemType, search: str | None, limit: int, offset: int
) -> ItemList:
    async with uow:
        found, total = await uow.catalogue.of_type(item_type, search, limit, offset)
    return ItemList(items=[public_item(i) for i in found], total=total)


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
