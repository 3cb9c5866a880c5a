"""Classes, enrolments and a class's students' client: passed through to client-directory."""

from datetime import date
from typing import Annotated

from fastapi import Query

from gateway.domain.integrations import Scope
from gateway.entrypoints.contract import PAGE, Audit, Passthrough, query, serve
from gateway.entrypoints.security import admin_router
from trainyard_common.api.clients import (
    ClassCreate,
    ClassList,
    ClassPublic,
    ClassStudentList,
    ClassUpdate,
    ClientAssignment,
    CustomerIds,
    EnrollmentResult,
    StudentsChanged,
)

router = admin_router(tags=["classes"])


NOT_FOUND = {404: "No such class."}
DATE_FROM = query("date_from", Annotated[date | None, Query(alias="from")])
DATE_TO = query("date_to", Annotated[date | None, Query(alias="to")])
CLASS = Audit("class", param="id")

# fmt: off
ROUTES = (
    Passthrough("POST", "/classes", "create_class", "client_directory", "/v1/classes",
                body=ClassCreate, response=ClassPublic, status=201, audit=Audit("class"),
                doc="Create a class; its optional default client applies to learners enrolled afterwards."),
    Passthrough("GET", "/classes", "list_classes", "client_directory", "/v1/classes",
                query=(DATE_FROM, DATE_TO, query("search", str | None), *PAGE), response=ClassList,
                doc="Classes running between `from` and `to` whose name contains `search`, earliest first."),
    Passthrough("GET", "/classes/{id}", "get_class", "client_directory", "/v1/classes/{id}",
                response=ClassPublic, errors=NOT_FOUND),
    Passthrough("PATCH", "/classes/{id}", "change_class", "client_directory", "/v1/classes/{id}",
                body=ClassUpdate, exclude_unset=True, response=ClassPublic, errors=NOT_FOUND, audit=CLASS,
                doc="Change name, dates or `default_client_id` (null: none); earlier enrolments keep their client."),
    Passthrough("POST", "/classes/{id}/enrollments", "enroll", "client_directory", "/v1/classes/{id}/enrollments",
                body=CustomerIds, response=EnrollmentResult, errors=NOT_FOUND, audit=CLASS,
                doc="Enrol learners; the class's default client (as it is now) applies to the newly enrolled. "
                    "A customer registered a moment ago whose registration has not reached client-directory "
                    "is enrolled as pending (`pending`) and gets that client when it arrives; a deleted "
                    "customer is a 422."),
    Passthrough("GET", "/classes/{id}/students", "list_class_students", "client_directory",
                "/v1/classes/{id}/students", query=PAGE, response=ClassStudentList, errors=NOT_FOUND,
                doc="The class's students in enrolment order, `pending` until their registration has arrived."),
    Passthrough("POST", "/classes/{id}/client-assignments", "assign_client", "client_directory",
                "/v1/classes/{id}/client-assignments",
                body=ClientAssignment, response=StudentsChanged, scope=Scope.CLIENTS_ASSIGN,
                errors={**NOT_FOUND, 409: "`learner_pending`: a student's registration has not arrived yet; retry."},
                audit=CLASS,
                doc="Assign a client to selected (enrolled) students of an upcoming or past class (reason `manual`)."),
    Passthrough("POST", "/classes/{id}/client-removals", "remove_client", "client_directory",
                "/v1/classes/{id}/client-removals",
                body=CustomerIds, response=StudentsChanged, scope=Scope.CLIENTS_ASSIGN,
                errors={**NOT_FOUND, 409: "`learner_pending`: a student's registration has not arrived yet; retry."},
                audit=CLASS,
                doc="Remove the client of selected (enrolled) students; automatic mapping then leaves them alone."),
)
# fmt: on
serve(router, ROUTES)
