"""Routes: classes, enrolments, and client changes for a class's selected students."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from client_directory.domain.classes import ClassChanges, ClassStudent, TrainingClass
from client_directory.entrypoints.deps import Limit, Offset, UnitOfWork
from client_directory.service_layer import classes as use_cases
from trainyard_common.api.clients import (
    ClassCreate,
    ClassList,
    ClassPublic,
    ClassStudentList,
    ClassUpdate,
    ClientAssignment,
    ClientRef,
    CustomerIds,
    EnrollmentResult,
    StudentsChanged,
)
from trainyard_common.api.clients import ClassStudent as StudentPublic
from trainyard_common.http.errors import NotFound

router = APIRouter(prefix="/v1", tags=["classes"])


@router.post("/classes", status_code=201)
async def create(body: ClassCreate, uow: UnitOfWork) -> ClassPublic:
    command = use_cases.CreateClass(body.name, body.starts_on, body.ends_on, body.default_client_id)
    async with uow:
        return _public(await use_cases.create_class(uow, command))


@router.get("/classes")
async def list_classes(
    uow: UnitOfWork,
    *,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    search: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ClassList:
    """Classes running at some point between `from` and `to`, whose name contains `search`."""
    async with uow:
        found, total = await uow.classes.search(
            starts_from=date_from, starts_to=date_to, search=search, limit=limit, offset=offset
        )
    return ClassList(items=[_public(c) for c in found], total=total)


@router.get("/classes/{class_id}")
async def get_class(class_id: uuid.UUID, uow: UnitOfWork) -> ClassPublic:
    async with uow:
        found = await uow.classes.get(class_id)
        if found is None:
            raise NotFound("No such class.")
        return _public(found, enrollments=await uow.classes.enrollment_count(class_id))


@router.patch("/classes/{class_id}")
async def change(class_id: uuid.UUID, body: ClassUpdate, uow: UnitOfWork) -> ClassPublic:
    changes = ClassChanges(
        name=body.name,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        set_default="default_client_id" in body.model_fields_set,
        default_client_id=body.default_client_id,
    )
    async with uow:
        return _public(await use_cases.update_class(uow, class_id, changes))


@router.post("/classes/{class_id}/enrollments")
async def enroll(class_id: uuid.UUID, body: CustomerIds, uow: UnitOfWork) -> EnrollmentResult:
    """Enrol customers; one whose registration has not reached client-directory yet is enrolled
    as pending (listed in `pending` too) and gets the class's client when it arrives. A deleted
    customer is a 422."""
    async with uow:
        result = await use_cases.enroll(uow, class_id, body.customer_ids)
    return EnrollmentResult(
        enrolled=result.enrolled,
        already_enrolled=result.already_enrolled,
        default_client_id=result.default_client_id,
        pending=result.pending,
    )


@router.get("/classes/{class_id}/students")
async def list_students(
    class_id: uuid.UUID, uow: UnitOfWork, limit: Limit = 50, offset: Offset = 0
) -> ClassStudentList:
    """The class's students in enrolment order; `status: pending` until the student's registration
    has reached client-directory (then the class's client applies)."""
    async with uow:
        found, total = await use_cases.students(uow, class_id, limit=limit, offset=offset)
    return ClassStudentList(items=[_student(s) for s in found], total=total)


@router.post("/classes/{class_id}/client-assignments")
async def assign(class_id: uuid.UUID, body: ClientAssignment, uow: UnitOfWork) -> StudentsChanged:
    async with uow:
        done = await use_cases.assign_client_to_students(uow, class_id, body.customer_ids, body.client_id)
    return StudentsChanged(customer_ids=done)


@router.post("/classes/{class_id}/client-removals")
async def remove(class_id: uuid.UUID, body: CustomerIds, uow: UnitOfWork) -> StudentsChanged:
    async with uow:
        done = await use_cases.remove_client_from_students(uow, class_id, body.customer_ids)
    return StudentsChanged(customer_ids=done)


def _public(found: TrainingClass, enrollments: int | None = None) -> ClassPublic:
    return ClassPublic(
        id=found.id,
        name=found.name,
        starts_on=found.starts_on,
        ends_on=found.ends_on,
        default_client_id=found.default_client_id,
        created_at=found.created_at,
        enrollments=enrollments,
    )


def _student(found: ClassStudent) -> StudentPublic:
    return StudentPublic(
        customer_id=found.customer_id,
        status="pending" if found.pending else "enrolled",
        enrolled_at=found.enrolled_at,
        email=found.email,
        organization=found.organization,
        client=ClientRef(id=found.client_id, name=found.client_name or "") if found.client_id else None,
        how=found.how,
    )
