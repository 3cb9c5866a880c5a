"""Writing and reading the audit trail."""

from __future__ import annotations

from gateway.domain.audit import AuditEntry, AuditQuery
from gateway.service_layer.unit_of_work import GatewayUnitOfWork


async def record(uow: GatewayUnitOfWork, entry: AuditEntry) -> None:
    await uow.audit.add(entry)
    await uow.commit()


async def audit_page(uow: GatewayUnitOfWork, query: AuditQuery) -> tuple[list[AuditEntry], int]:
    return await uow.audit.page(query)
