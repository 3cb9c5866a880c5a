"""The report by client: passed through to client-directory."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query

from gateway.entrypoints.contract import Passthrough, query, serve
from gateway.entrypoints.security import admin_router
from trainyard_common.api.clients import ClientReportList

router = admin_router(tags=["reports"])

# fmt: off
ROUTES = (
    Passthrough("GET", "/reports/clients", "report_by_client", "client_directory", "/v1/reports/clients",
                query=(query("client_id", uuid.UUID | None), query("industry", str | None),
                       query("date_from", Annotated[date | None, Query(alias="from")]),
                       query("date_to", Annotated[date | None, Query(alias="to")]),
                       query("limit", Annotated[int, Query(ge=1, le=1000)], 100),
                       query("offset", Annotated[int, Query(ge=0)], 0)),
                response=ClientReportList,
                doc="Per client (inactive ones included): learners, class enrolments, in-progress and completed\n"
                    "counts by training type, orders and revenue; a re-assigned learner's figures follow them."),
)
# fmt: on
serve(router, ROUTES)
