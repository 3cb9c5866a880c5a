"""Classes, enrolments and a class's students' client, passed through to client-directory."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from gateway.adapters.services import ServiceClient
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.passthrough import created_id, passthrough
from trainyard_common.api.clients import (
    ClassCreate,
    ClassList,
    ClassPublic,
    ClassUpdate,
    ClientAssignment,
    CustomerIds,
    EnrollmentResult,
    StudentsChanged,
)
from trainyard_common.http.errors import ErrorBody

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such class."}}


def add_class_routes(router: APIRouter, directory: ServiceClient) -> None:
    @router.post(
        "/classes", status_code=201, tags=["classes"], response_model=None, responses={201: {"model": ClassPublic}}
    )
    async def create_class(body: ClassCreate, request: Request) -> Response:
        """Create a class; its optional default client applies to learners enrolled afterwards."""
        reply = await directory.call("POST", "/v1/classes", body=body.model_dump(mode="json"))
        if (class_id := created_id(reply)) is not None:
            set_audit_target(request, "class", class_id)
        return passthrough(reply)

    @router.get("/classes", tags=["classes"], response_model=None, responses={200: {"model": ClassList}})
    async def list_classes(
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        search: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        """Classes running between `from` and `to` whose name contains `search`, earliest first."""
        params = {"from": date_from, "to": date_to, "search": search, "limit": limit, "offset": offset}
        return passthrough(await directory.call("GET", "/v1/classes", params=params))

    @router.get(
        "/classes/{id}", tags=["classes"], response_model=None, responses={200: {"model": ClassPublic}, **NOT_FOUND}
    )
    async def get_class(id: uuid.UUID) -> Response:
        return passthrough(await directory.call("GET", f"/v1/classes/{id}"))

    @router.patch(
        "/classes/{id}", tags=["classes"], response_model=None, responses={200: {"model": ClassPublic}, **NOT_FOUND}
    )
    async def change_class(id: uuid.UUID, body: ClassUpdate, request: Request) -> Response:
        """Change name, dates or `default_client_id` (null: none); earlier enrolments keep their client."""
        set_audit_target(request, "class", id)
        changes = body.model_dump(mode="json", exclude_unset=True)
        return passthrough(await directory.call("PATCH", f"/v1/classes/{id}", body=changes))

    @router.post(
        "/classes/{id}/enrollments",
        tags=["classes"],
        response_model=None,
        responses={200: {"model": EnrollmentResult}, **NOT_FOUND},
    )
    async def enroll(id: uuid.UUID, body: CustomerIds, request: Request) -> Response:
        """Enrol learners; the class's default client (as it is now) applies to the newly enrolled."""
        set_audit_target(request, "class", id)
        return passthrough(
            await directory.call("POST", f"/v1/classes/{id}/enrollments", body=body.model_dump(mode="json"))
        )

    @router.post(
        "/classes/{id}/client-assignments",
        tags=["classes"],
        response_model=None,
        responses={200: {"model": StudentsChanged}, **NOT_FOUND},
    )
    async def assign_client(id: uuid.UUID, body: ClientAssignment, request: Request) -> Response:
        """Assign a client to selected (enrolled) students of an upcoming or past class (reason `manual`)."""
        set_audit_target(request, "class", id)
        path = f"/v1/classes/{id}/client-assignments"
        return passthrough(await directory.call("POST", path, body=body.model_dump(mode="json")))

    @router.post(
        "/classes/{id}/client-removals",
        tags=["classes"],
        response_model=None,
        responses={200: {"model": StudentsChanged}, **NOT_FOUND},
    )
    async def remove_client(id: uuid.UUID, body: CustomerIds, request: Request) -> Response:
        """Remove the client of selected (enrolled) students; automatic mapping then leaves them alone."""
        set_audit_target(request, "class", id)
        path = f"/v1/classes/{id}/client-removals"
        return passthrough(await directory.call("POST", path, body=body.model_dump(mode="json")))
