from __future__ import annotations

from gateway.adapters.repository import AdminRepository, AuditRepository, TokenRepository
from trainyard_common.db.uow import SqlUnitOfWork


class GatewayUnitOfWork(SqlUnitOfWork):
    admins: AdminRepository
    tokens: TokenRepository
    audit: AuditRepository

    def _open(self) -> None:
        self.admins = AdminRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.audit = AuditRepository(self.session)
