"""Routes: the catalogue (modules, courses, certifications)."""

import uuid
from decimal import Decimal

from fastapi import APIRouter

from training_progress.domain import catalogue
from training_progress.entrypoints.deps import UnitOfWork
from training_progress.service_layer.catalogue import add_item, revise_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.api.training import (
    CertificationCreate,
    CertificationUpdate,
    CourseCreate,
    CourseModuleRef,
    CourseUpdate,
    ItemList,
    ItemPublic,
    ModuleCreate,
    ModuleKindName,
    ModuleUpdate,
    QuestionPublic,
    QuizPublic,
)
from trainyard_common.http.deps import Limit, Offset
from trainyard_common.vocabulary import TrainingItemType

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.post("/modules", status_code=201)
async def create_module(body: ModuleCreate, uow: UnitOfWork) -> ItemPublic:
    item = catalogue.new_module(
        body.name, catalogue.ModuleKind(body.kind.value), _quiz(body), event_date=body.date, place=body.place
    )
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
async def list_modules(
    uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0, include_inactive: bool = False
) -> ItemList:
    return await _list(uow, TrainingItemType.MODULE, search, limit, offset, include_inactive)


@router.get("/courses", summary="List courses")
async def list_courses(
    uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0, include_inactive: bool = False
) -> ItemList:
    return await _list(uow, TrainingItemType.COURSE, search, limit, offset, include_inactive)


@router.get("/certifications", summary="List certifications")
async def list_certifications(
    uow: UnitOfWork, search: str | None = None, limit: Limit = 50, offset: Offset = 0, include_inactive: bool = False
) -> ItemList:
    return await _list(uow, TrainingItemType.CERTIFICATION, search, limit, offset, include_inactive)


async def _list(  # noqa: PLR0917 (the listing's query parameters)
    uow: ProgressUnitOfWork,
    item_type: TrainingItemType,
    search: str | None,
    limit: int,
    offset: int,
    include_inactive: bool,
) -> ItemList:
    async with uow:
        found, total = await uow.catalogue.of_type(item_type, search, limit, offset, include_inactive=include_inactive)
    return ItemList(items=[public_item(i) for i in found], total=total)


@router.patch("/modules/{item_id}")
async def revise_module(item_id: uuid.UUID, body: ModuleUpdate, uow: UnitOfWork) -> ItemPublic:
    revision = catalogue.Revision(name=body.name, active=body.active, event_date=body.date, place=body.place)
    return public_item(await revise_item(uow, TrainingItemType.MODULE, item_id, revision))


@router.patch("/courses/{item_id}")
async def revise_course(item_id: uuid.UUID, body: CourseUpdate, uow: UnitOfWork) -> ItemPublic:
    modules = None
    if body.module_ids is not None or body.modules is not None:
        modules = [catalogue.CourseModule(m, True) for m in body.module_ids or []]
        modules += [catalogue.CourseModule(m.module_id, m.required) for m in body.modules or []]
    revision = catalogue.Revision(name=body.name, modules=modules, active=body.active)
    return public_item(await revise_item(uow, TrainingItemType.COURSE, item_id, revision))


@router.patch("/certifications/{item_id}")
async def revise_certification(item_id: uuid.UUID, body: CertificationUpdate, uow: UnitOfWork) -> ItemPublic:
    revision = catalogue.Revision(name=body.name, course_ids=body.course_ids, active=body.active)
    return public_item(await revise_item(uow, TrainingItemType.CERTIFICATION, item_id, revision))


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
        active=item.active,
        date=item.event_date,
        place=item.place,
    )
