"""The report by client: passed through to client-directory."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query, Response

from gateway.entrypoints.contract import Passthrough, serve
from gateway.entrypoints.deps import Services
from gateway.entrypoints.passthrough import passthrough
from gateway.entrypoints.security import admin_router
from trainyard_common.api.clients import ClassReportPublic, ClientReportList

router = admin_router(tags=["reports"])

# fmt: off
ROUTES = (
    Passthrough("GET", "/reports/classes/{id}", "report_by_class", "client_directory", "/v1/reports/classes/{id}",
                response=ClassReportPublic, errors={404: "No such class."},
                doc="Per class: each enrolment counted for the client the student had in that class (not their\n"
                    "current client; see client-directory's README)."),
)
# fmt: on
serve(router, ROUTES)


@router.get("/reports/clients", response_model=ClientReportList)
async def report_by_client(
    services: Services,
    *,
    client_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    industry: str | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Per client (inactive ones included): learners, class enrolments, in-progress and completed
    counts by training type, orders and revenue; a re-assigned learner's figures follow them.
    `client_id` may repeat (several clients)."""
    params = {
        "client_id": ",".join(str(c) for c in client_id) if client_id else None,
        "industry": industry,
        "from": date_from,
        "to": date_to,
        "limit": limit,
        "offset": offset,
    }
    return passthrough(await services.client_directory.call("GET", "/v1/reports/clients", params=params))
