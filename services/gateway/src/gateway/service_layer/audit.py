"""Writing and reading the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.audit import AuditEntry
from gateway.service_layer.unit_of_work import GatewayUnitOfWork


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor: str | None
    action: str | None
    limit: int
    offset: int


async def record(uow: GatewayUnitOfWork, entry: AuditEntry) -> None:
    await uow.audit.add(entry)
    await uow.commit()


async def audit_page(uow: GatewayUnitOfWork, query: AuditQuery) -> tuple[list[AuditEntry], int]:
    return await uow.audit.page(actor=query.actor, action=query.action, limit=query.limit, offset=query.offset)
