"""Routes about one learner: their client (for the gateway's customer page) and their export part."""

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from client_directory.entrypoints.deps import UnitOfWork
from client_directory.service_layer.classes import assign_client_to_learner
from trainyard_common.api.clients import ClientRef, LearnerClientChange
from trainyard_common.csv_cells import export_file
from trainyard_common.http.export_parts import ExportPart

router = APIRouter(prefix="/v1", tags=["learners"])


class LearnerClient(BaseModel):
    customer_id: uuid.UUID
    client: ClientRef | None = Field(description="Null when the learner belongs to no client (yet).")
    how: str | None = Field(description="domain, alias, class or manual.", examples=["domain"])
    assigned_at: datetime | None


@router.get("/learners/{customer_id}")
async def learner_client(customer_id: uuid.UUID, uow: UnitOfWork) -> LearnerClient:
    """The learner's client; a learner not known yet simply has none."""
    async with uow:
        learner = await uow.learners.get(customer_id)
        client = await uow.clients.get(learner.client_id) if learner and learner.client_id else None
    return LearnerClient(
        customer_id=customer_id,
        client=ClientRef(id=client.id, name=client.name) if client else None,
        how=learner.reason.value if learner and learner.client_id and learner.reason else None,
        assigned_at=learner.assigned_at if learner else None,
    )


@router.put("/customers/{customer_id}/client")
async def set_learner_client(customer_id: uuid.UUID, body: LearnerClientChange, uow: UnitOfWork) -> LearnerClient:
    """Assign one learner to any active client outside any class (reason ``manual``), or remove it (null)."""
    async with uow:
        learner = await assign_client_to_learner(uow, customer_id, body.client_id)
        client = await uow.clients.get(learner.client_id) if learner.client_id else None
    return LearnerClient(
        customer_id=customer_id,
        client=ClientRef(id=client.id, name=client.name) if client else None,
        how=learner.reason.value if learner.client_id and learner.reason else None,
        assigned_at=learner.assigned_at,
    )


@router.get("/customers/{customer_id}/export")
async def export_part(customer_id: uuid.UUID, uow: UnitOfWork) -> ExportPart:
    """What client-directory holds about the customer, for the GDPR export."""
    async with uow:
        learner = await uow.learners.get(customer_id)
        client = await uow.clients.get(learner.client_id) if learner and learner.client_id else None
        enrolments = await uow.classes.of_learner(customer_id)
    mapping = (
        [(learner.email, learner.organization, client.name if client else None, learner.reason, learner.assigned_at)]
        if learner
        else []
    )
    return ExportPart(
        files=[
            export_file("client.csv", ("email", "organization", "client", "how", "assigned_at"), mapping),
            export_file(
                "class_enrolments.csv",
                ("class", "starts_on", "ends_on", "enrolled_at"),
                [(c.name, c.starts_on, c.ends_on, at) for c, at in enrolments],
            ),
        ]
    )
