"""The report by client, passed through to client-directory."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from gateway.adapters.services import ServiceClient
from gateway.entrypoints.passthrough import passthrough
from trainyard_common.api.clients import ClientReportList


def add_report_routes(router: APIRouter, directory: ServiceClient) -> None:
    @router.get("/reports/clients", tags=["reports"], response_model=None, responses={200: {"model": ClientReportList}})
    async def report_by_client(
        *,
        client_id: uuid.UUID | None = None,
        industry: str | None = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        """Per client (inactive ones included): learners, class enrolments, in-progress and completed
        counts by training type, orders and revenue; a re-assigned learner's figures follow them."""
        params = {
            "client_id": client_id,
            "industry": industry,
            "from": date_from,
            "to": date_to,
            "limit": limit,
            "offset": offset,
        }
        return passthrough(await directory.call("GET", "/v1/reports/clients", params=params))
