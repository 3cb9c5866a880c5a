"""Training (catalogue, progress, imports, transcript, quizzes, SCORM): passed through to
training-progress's internal API (/v1/...). The learner's side is in ``learner_http``."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query, Request, Response

from gateway.domain.integrations import Scope
from gateway.entrypoints.auditing import set_audit_target
from gateway.entrypoints.contract import PAGE, Audit, Csv, Passthrough, query, serve
from gateway.entrypoints.deps import Services
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import admin_router, needs
from trainyard_common.api.training import (
    CertificationCreate,
    CertificationUpdate,
    CourseCreate,
    CourseUpdate,
    ImportPublic,
    ItemList,
    ItemPublic,
    ManualCompletionCreate,
    ModuleCreate,
    ModuleUpdate,
    PartnerTrainingSummary,
    ProgressDeletion,
    ProgressDeletionResult,
    ProgressList,
    QuizCompletionCreate,
    QuizCompletionStatus,
    QuizReport,
    SubmissionList,
    SubmissionPublic,
    Transcript,
    TranscriptEdit,
)
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

router = admin_router(tags=["training"])
NOT_FOUND = {404: "Not found."}
CONFLICT = {409: "Conflicts with the state."}
CUSTOMER = Audit("customer", param="id")
# An upload or a commit waits a few seconds for its job, then answers 202 (poll the import).
IMPORT_TIMEOUT_SECONDS = 120.0
ROW_SETS = ("new", "already-completed", "errors")
SHORT_TEXT = Annotated[str | None, Query(max_length=200)]
PROGRESS_FILTERS = (
    query("type", TrainingItemType, TrainingItemType.MODULE),
    query("name", SHORT_TEXT),
    query("partner_id", uuid.UUID | None),
    query("user", SHORT_TEXT),
    query("progress", ProgressStatus | None),
    *PAGE,
)

# fmt: off
CATALOGUE = (
    Passthrough("POST", "/modules", "create_module", "training_progress", "/v1/modules",
                body=ModuleCreate, response=ItemPublic, status=201, errors=CONFLICT, audit=Audit("module"),
                doc="A module: content, SCORM or quiz (questions with correct answers, pass mark, attempt limit)."),
    Passthrough("POST", "/courses", "create_course", "training_progress", "/v1/courses",
                body=CourseCreate, response=ItemPublic, status=201, errors=CONFLICT, audit=Audit("course"),
                doc="A course: an ordered list of modules, each required (default) or optional."),
    Passthrough("POST", "/certifications", "create_certification", "training_progress", "/v1/certifications",
                body=CertificationCreate, response=ItemPublic, status=201, errors=CONFLICT,
                audit=Audit("certification"), doc="A certification: a set of courses."),
    *(Passthrough("GET", f"/{kind}", "list_items", "training_progress", f"/v1/{kind}",
                  query=(query("search", str | None), *PAGE, query("include_inactive", bool, False)),
                  response=ItemList, summary=f"List {kind}")
      for kind in ("modules", "courses", "certifications")),
    # Issue 17, item 12: the catalogue is maintained (rename, restructure, deactivate; never deleted).
    *(Passthrough("PATCH", f"/{kind}/{{id}}", f"revise_{kind}", "training_progress", f"/v1/{kind}/{{id}}",
                  body=update, exclude_unset=True, response=ItemPublic, errors={**NOT_FOUND, **CONFLICT},
                  audit=Audit(kind.removesuffix("s"), param="id"),
                  doc=f"Rename, change the structure, `active` of one of the {kind} (inactive: kept in reports"
                      " and progress, not listed unless `include_inactive`).")
      for kind, update in (("modules", ModuleUpdate), ("courses", CourseUpdate),
                           ("certifications", CertificationUpdate))),
)
PROGRESS = (
    Passthrough("GET", "/training-progress", "list_progress", "training_progress", "/v1/training-progress",
                query=PROGRESS_FILTERS, response=ProgressList,
                doc="One tab (modules, courses, certifications), filtered by item name, partner, user, progress."),
    Passthrough("POST", "/training-progress", "set_completed", "training_progress", "/v1/training-progress",
                body=ManualCompletionCreate, status=201, errors={**NOT_FOUND, **CONFLICT}, scope=Scope.PROGRESS_WRITE,
                audit=Audit("customer", field="customer_id"),
                doc='"Set Training as Completed": type, item, partner, user, completion date (today or past).'),
    Passthrough("POST", "/training-progress/deletions", "delete_progress", "training_progress",
                "/v1/training-progress/deletions",
                body=ProgressDeletion, response=ProgressDeletionResult, errors={**NOT_FOUND, **CONFLICT},
                doc="Delete entries (`ids`), or all a filter matches (`filter`, `expected_count`: 409 when the"
                    " count differs): a module's leaves completed courses completed; a course's leaves its modules."),
    Passthrough("GET", "/partners/{client_id}/training-summary", "partner_summary", "training_progress",
                "/v1/partners/{client_id}/training-summary",
                query=(query("limit", Annotated[int, Query(ge=1, le=100)], 10),), response=PartnerTrainingSummary,
                doc="Recent activity and top certifications completed by the partner's users."),
)
IMPORTS = (
    Passthrough("GET", "/progress-imports/template", "template", "training_progress", "/v1/progress-imports/template",
                response=Csv("CSV."), scope=Scope.PROGRESS_WRITE),
    Passthrough("GET", "/progress-imports/{id}", "get_import", "training_progress", "/v1/progress-imports/{id}",
                response=ImportPublic, errors=NOT_FOUND, scope=Scope.PROGRESS_WRITE,
                doc="Status, rows read so far, counts, and what the commit imported."),
    *(Passthrough("GET", f"/progress-imports/{{id}}/rows/{rows}.csv", "rows", "training_progress",
                  f"/v1/progress-imports/{{id}}/rows/{rows}.csv",
                  response=Csv("CSV."), errors=NOT_FOUND, summary=f"The {rows} rows of an import",
                  timeout_seconds=IMPORT_TIMEOUT_SECONDS, scope=Scope.PROGRESS_WRITE)
      for rows in ROW_SETS),
    Passthrough("POST", "/progress-imports/{id}/commit", "commit", "training_progress",
                "/v1/progress-imports/{id}/commit",
                response=ImportPublic, also=(202,), errors=CONFLICT, audit=Audit("progress_import", param="id"),
                timeout_seconds=IMPORT_TIMEOUT_SECONDS, scope=Scope.PROGRESS_WRITE,
                doc="Import the New rows at once; an import commits once (409 afterwards)."),
)
TRANSCRIPTS = (
    Passthrough("GET", "/customers/{id}/transcript", "transcript", "training_progress",
                "/v1/customers/{id}/transcript",
                response=Transcript,
                doc="Every item the customer has access to or progress on: status, score, completion, access expiry."),
    Passthrough("PATCH", "/customers/{id}/transcript/{item_id}", "edit_item", "training_progress",
                "/v1/customers/{id}/transcript/{item_id}",
                body=TranscriptEdit, exclude_unset=True, errors=NOT_FOUND, audit=CUSTOMER,
                doc="Edit status, completion date and time, or score (modules only) of a transcript item;"
                    " `attended` (in-person modules only, else 422 `not_in_person`) completes or reopens it."),
    Passthrough("POST", "/customers/{id}/quiz-completions", "quiz_completion", "training_progress",
                "/v1/customers/{id}/quiz-completions",
                body=QuizCompletionCreate, response=SubmissionPublic, status=201, errors=NOT_FOUND, audit=CUSTOMER,
                doc='"Add Completion": status, submission time, score; passed records the correct answers.'),
    Passthrough("GET", "/customers/{id}/quiz-submissions", "quiz_submissions", "training_progress",
                "/v1/customers/{id}/quiz-submissions",
                query=(query("quiz_id", uuid.UUID | None),), response=SubmissionList,
                doc="Attempts with their responses (chosen and correct answers per question)."),
    Passthrough("DELETE", "/quiz-submissions/{id}", "remove_submission", "training_progress",
                "/v1/quiz-submissions/{id}",
                status=204, errors=NOT_FOUND, audit=Audit("quiz_submission", param="id"),
                doc="Remove an attempt, so the learner may retake a quiz with an attempt limit."),
    Passthrough("DELETE", "/customers/{id}/cmi/{module_id}", "clear_cmi", "training_progress",
                "/v1/customers/{id}/cmi/{module_id}",
                status=204, errors=NOT_FOUND, audit=CUSTOMER,
                doc="Clear the customer's stored SCORM CMI data for the module."),
    # Issue 17, item 8: the Quiz Response Report.
    Passthrough("GET", "/quizzes/{id}/responses", "quiz_responses", "training_progress",
                "/v1/quizzes/{id}/responses",
                query=(query("from_day", Annotated[date | None, Query(alias="from")]),
                       query("to_day", Annotated[date | None, Query(alias="to")]),
                       query("status", QuizCompletionStatus | None), *PAGE),
                response=QuizReport, errors=NOT_FOUND,
                doc="The Quiz Response Report: every learner's submissions (newest first) with their responses;"
                    " an admin's Add Completion appears as `admin_completion` with the correct answers. `from`,"
                    " `to`: submission days (UTC, inclusive); `status`: passed or failed."),
)
# fmt: on
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

serve(router, (*CATALOGUE, *PROGRESS, *IMPORTS, *TRANSCRIPTS))  # order: the template before "{id}"


@router.post(
    "/progress-imports",
    status_code=201,
    response_model=None,
    openapi_extra={**UPLOAD_BODY, **needs(Scope.PROGRESS_WRITE)},
    responses={201: {"model": ImportPublic}, 202: {"model": ImportPublic}},
)
async def upload(request: Request, services: Services) -> Response:
    """Analyse a CSV (multipart field `file`): 201 with the counts, or 202 for a large file still
    being analysed (poll `GET /progress-imports/{id}`)."""
    reply = await services.training_progress.call(
        "POST",
        "/v1/progress-imports",
        content=request.stream(),  # streamed through: the file may be large
        content_type=request.headers.get("content-type", "application/octet-stream"),
        timeout_seconds=IMPORT_TIMEOUT_SECONDS,
    )
    if reply.status_code in (201, 202):
        set_audit_target(request, "progress_import", reply.json()["id"])
    return passthrough(reply)
