"""Training (catalogue, progress, imports, transcript, quizzes, SCORM), passed through to
training-progress's internal API (/v1/...); learner routes act for the signed-in learner."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from gateway.adapters.services import ServiceClient, ServiceReply, Services
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.learner_auth import LearnerIdentity, learner_guard
from gateway.entrypoints.passthrough import created_id, passthrough
from trainyard_common.api.training import (
    CertificationCreate,
    CourseCreate,
    ImportPublic,
    ItemList,
    ItemPublic,
    LearnerProgressCreate,
    ManualCompletionCreate,
    ModuleCreate,
    PartnerTrainingSummary,
    ProgressDeletion,
    ProgressDeletionResult,
    ProgressList,
    QuizAnswers,
    QuizCompletionCreate,
    SubmissionList,
    SubmissionPublic,
    Transcript,
    TranscriptEdit,
)
from trainyard_common.http.errors import ErrorBody
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "Not found."}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorBody, "description": "Conflicts with the state."}}
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "CSV."}}
# An upload or a commit waits a few seconds for its job, then answers 202 (poll the import).
IMPORT_TIMEOUT_SECONDS = 120.0
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _created(reply: ServiceReply, request: Request, kind: str) -> Response:
    if (item_id := created_id(reply)) is not None:
        set_audit_target(request, kind, item_id)
    return passthrough(reply)


def add_catalogue_routes(router: APIRouter, training: ServiceClient) -> None:
    @router.post("/modules", status_code=201, tags=["training"], response_model=None,
                 responses={201: {"model": ItemPublic}, **CONFLICT})  # fmt: skip
    async def create_module(body: ModuleCreate, request: Request) -> Response:
        """A module: content, SCORM or quiz (questions with correct answers, pass mark, attempt limit)."""
        reply = await training.call("POST", "/v1/modules", body=body.model_dump(mode="json"))
        return _created(reply, request, "module")

    @router.post("/courses", status_code=201, tags=["training"], response_model=None,
                 responses={201: {"model": ItemPublic}, **CONFLICT})  # fmt: skip
    async def create_course(body: CourseCreate, request: Request) -> Response:
        """A course: an ordered list of modules, each required (default) or optional."""
        reply = await training.call("POST", "/v1/courses", body=body.model_dump(mode="json"))
        return _created(reply, request, "course")

    @router.post("/certifications", status_code=201, tags=["training"], response_model=None,
                 responses={201: {"model": ItemPublic}, **CONFLICT})  # fmt: skip
    async def create_certification(body: CertificationCreate, request: Request) -> Response:
        """A certification: a set of courses."""
        reply = await training.call("POST", "/v1/certifications", body=body.model_dump(mode="json"))
        return _created(reply, request, "certification")

    for path in ("/modules", "/courses", "/certifications"):
        _add_catalogue_list(router, training, path)


def _add_catalogue_list(router: APIRouter, training: ServiceClient, path: str) -> None:
    async def list_items(search: str | None = None, limit: Limit = 50, offset: Offset = 0) -> Response:
        params = {"search": search, "limit": limit, "offset": offset}
        return passthrough(await training.call("GET", f"/v1{path}", params=params))

    router.add_api_route(path, list_items, methods=["GET"], tags=["training"], response_model=None,
                         summary=f"List {path[1:]}", responses={200: {"model": ItemList}})  # fmt: skip


def add_progress_routes(router: APIRouter, training: ServiceClient) -> None:
    @router.get("/training-progress", tags=["training"], response_model=None,
                responses={200: {"model": ProgressList}})  # fmt: skip
    async def list_progress(  # noqa: PLR0917 (one parameter per filter)
        type: TrainingItemType = TrainingItemType.MODULE,
        name: Annotated[str | None, Query(max_length=200)] = None,
        partner_id: uuid.UUID | None = None,
        user: Annotated[str | None, Query(max_length=200)] = None,
        progress: ProgressStatus | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        """One tab (modules, courses, certifications), filtered by item name, partner, user, progress."""
        params = {"type": type.value, "name": name, "partner_id": partner_id, "user": user,
                  "progress": progress.value if progress else None, "limit": limit, "offset": offset}  # fmt: skip
        return passthrough(await training.call("GET", "/v1/training-progress", params=params))

    @router.post("/training-progress", status_code=201, tags=["training"], response_model=None,
                 responses={**NOT_FOUND, **CONFLICT})  # fmt: skip
    async def set_completed(body: ManualCompletionCreate, request: Request) -> Response:
        """ "Set Training as Completed": type, item, partner, user, completion date (today or past)."""
        set_audit_target(request, "customer", body.customer_id)
        return passthrough(await training.call("POST", "/v1/training-progress", body=body.model_dump(mode="json")))

    @router.post("/training-progress/deletions", tags=["training"], response_model=None,
                 responses={200: {"model": ProgressDeletionResult}, **NOT_FOUND})  # fmt: skip
    async def delete_progress(body: ProgressDeletion) -> Response:
        """Delete entries: a module's leaves completed courses completed; a course's leaves its modules."""
        body_json = body.model_dump(mode="json")
        return passthrough(await training.call("POST", "/v1/training-progress/deletions", body=body_json))

    @router.get("/partners/{client_id}/training-summary", tags=["training"], response_model=None,
                responses={200: {"model": PartnerTrainingSummary}})  # fmt: skip
    async def partner_summary(client_id: uuid.UUID, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> Response:
        """Recent activity and top certifications completed by the partner's users."""
        path = f"/v1/partners/{client_id}/training-summary"
        return passthrough(await training.call("GET", path, params={"limit": limit}))


def add_import_routes(router: APIRouter, training: ServiceClient) -> None:
    @router.get("/progress-imports/template", tags=["training"], response_model=None, responses=CSV)
    async def template() -> Response:
        return passthrough(await training.call("GET", "/v1/progress-imports/template"))

    @router.post("/progress-imports", status_code=201, tags=["training"], response_model=None,
                 openapi_extra=UPLOAD_BODY,
                 responses={201: {"model": ImportPublic}, 202: {"model": ImportPublic}})  # fmt: skip
    async def upload(request: Request) -> Response:
        """Analyse a CSV (multipart field `file`): 201 with the counts, or 202 for a large file still
        being analysed (poll `GET /progress-imports/{id}`)."""
        reply = await training.call(
            "POST",
            "/v1/progress-imports",
            content=request.stream(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            timeout_seconds=IMPORT_TIMEOUT_SECONDS,
        )
        if reply.status_code in (201, 202):
            set_audit_target(request, "progress_import", reply.json()["id"])
        return passthrough(reply)

    @router.get("/progress-imports/{id}", tags=["training"], response_model=None,
                responses={200: {"model": ImportPublic}, **NOT_FOUND})  # fmt: skip
    async def get_import(id: uuid.UUID) -> Response:
        """Status, rows read so far, counts, and what the commit imported."""
        return passthrough(await training.call("GET", f"/v1/progress-imports/{id}"))

    for row_set in ("new", "already-completed", "errors"):
        _add_rows_route(router, training, row_set)

    @router.post("/progress-imports/{id}/commit", tags=["training"], response_model=None,
                 responses={200: {"model": ImportPublic}, 202: {"model": ImportPublic}, **CONFLICT})  # fmt: skip
    async def commit(id: uuid.UUID, request: Request) -> Response:
        """Import the New rows at once; an import commits once (409 afterwards)."""
        set_audit_target(request, "progress_import", id)
        path = f"/v1/progress-imports/{id}/commit"
        return passthrough(await training.call("POST", path, timeout_seconds=IMPORT_TIMEOUT_SECONDS))


def _add_rows_route(router: APIRouter, training: ServiceClient, row_set: str) -> None:
    async def rows(id: uuid.UUID) -> Response:
        path = f"/v1/progress-imports/{id}/rows/{row_set}.csv"
        return passthrough(await training.call("GET", path, timeout_seconds=IMPORT_TIMEOUT_SECONDS))

    router.add_api_route(f"/progress-imports/{{id}}/rows/{row_set}.csv", rows, methods=["GET"], tags=["training"],
                         response_model=None, summary=f"The {row_set} rows of an import",
                         responses={**CSV, **NOT_FOUND})  # fmt: skip


def add_transcript_routes(router: APIRouter, training: ServiceClient) -> None:
    @router.get("/customers/{id}/transcript", tags=["training"], response_model=None,
                responses={200: {"model": Transcript}})  # fmt: skip
    async def transcript(id: uuid.UUID) -> Response:
        """Every item the customer has access to or progress on: status, score, completion, access expiry."""
        return passthrough(await training.call("GET", f"/v1/customers/{id}/transcript"))

    @router.patch("/customers/{id}/transcript/{item_id}", tags=["training"], response_model=None,
                  responses=NOT_FOUND)  # fmt: skip
    async def edit_item(id: uuid.UUID, item_id: uuid.UUID, body: TranscriptEdit, request: Request) -> Response:
        """Edit status, completion date and time, or score (modules only) of a transcript item."""
        set_audit_target(request, "customer", id)
        payload = body.model_dump(mode="json", exclude_unset=True)
        return passthrough(await training.call("PATCH", f"/v1/customers/{id}/transcript/{item_id}", body=payload))

    @router.post("/customers/{id}/quiz-completions", status_code=201, tags=["training"], response_model=None,
                 responses={201: {"model": SubmissionPublic}, **NOT_FOUND})  # fmt: skip
    async def quiz_completion(id: uuid.UUID, body: QuizCompletionCreate, request: Request) -> Response:
        """ "Add Completion": status, submission time, score; passed records the correct answers."""
        set_audit_target(request, "customer", id)
        path = f"/v1/customers/{id}/quiz-completions"
        return passthrough(await training.call("POST", path, body=body.model_dump(mode="json")))

    @router.get("/customers/{id}/quiz-submissions", tags=["training"], response_model=None,
                responses={200: {"model": SubmissionList}})  # fmt: skip
    async def quiz_submissions(id: uuid.UUID, quiz_id: uuid.UUID | None = None) -> Response:
        """Attempts with their responses (chosen and correct answers per question)."""
        path = f"/v1/customers/{id}/quiz-submissions"
        return passthrough(await training.call("GET", path, params={"quiz_id": quiz_id}))

    @router.delete("/quiz-submissions/{id}", status_code=204, tags=["training"], response_model=None,
                   responses=NOT_FOUND)  # fmt: skip
    async def remove_submission(id: uuid.UUID, request: Request) -> Response:
        """Remove an attempt, so the learner may retake a quiz with an attempt limit."""
        set_audit_target(request, "quiz_submission", id)
        return passthrough(await training.call("DELETE", f"/v1/quiz-submissions/{id}"))

    @router.delete("/customers/{id}/cmi/{module_id}", status_code=204, tags=["training"], response_model=None,
                   responses=NOT_FOUND)  # fmt: skip
    async def clear_cmi(id: uuid.UUID, module_id: uuid.UUID, request: Request) -> Response:
        """Clear the customer's stored SCORM CMI data for the module."""
        set_audit_target(request, "customer", id)
        return passthrough(await training.call("DELETE", f"/v1/customers/{id}/cmi/{module_id}"))


def add_training_learner_routes(router: APIRouter, training: ServiceClient, accounts: ServiceClient) -> None:
    Learner = Annotated[LearnerIdentity, Depends(learner_guard(accounts))]  # noqa: N806 (a type alias)

    @router.post("/progress", response_model=None, responses=NOT_FOUND)
    async def record_progress(body: LearnerProgressCreate, learner: Learner) -> Response:
        """The signed-in learner started or completed an item; courses and certifications roll up."""
        path = f"/v1/learners/{learner.customer_id}/progress"
        return passthrough(await training.call("POST", path, body=body.model_dump(mode="json")))

    @router.put("/cmi/{module_id}", status_code=204, response_model=None, responses=NOT_FOUND)
    async def store_cmi(module_id: uuid.UUID, learner: Learner, data: Annotated[dict[str, Any], Body()]) -> Response:
        """Store SCORM run-time data (cmi.*) for a SCORM module; its status and score record progress."""
        path = f"/v1/learners/{learner.customer_id}/cmi/{module_id}"
        return passthrough(await training.call("PUT", path, body=data))

    @router.post("/quizzes/{id}/submissions", status_code=201, response_model=None,
                 responses={201: {"model": SubmissionPublic}, **NOT_FOUND, **CONFLICT})  # fmt: skip
    async def submit_quiz(id: uuid.UUID, body: QuizAnswers, learner: Learner) -> Response:
        """Submit answers; scored against the questions, within the quiz's attempt limit (409 beyond)."""
        path = f"/v1/learners/{learner.customer_id}/quizzes/{id}/submissions"
        return passthrough(await training.call("POST", path, body=body.model_dump(mode="json")))


def add_training_routes(*, admin: APIRouter, learner: APIRouter, services: Services) -> None:
    training = services.training_progress
    add_catalogue_routes(admin, training)
    add_progress_routes(admin, training)
    add_import_routes(admin, training)
    add_transcript_routes(admin, training)
    add_training_learner_routes(learner, training, services.customer_account)
