from __future__ import annotations

from trainyard_common.db.uow import SqlUnitOfWork

from gateway.adapters.repository import AdminRepository, AuditRepository, TokenRepository


class GatewayUnitOfWork(SqlUnitOfWork):
    admins: AdminRepository
    tokens: TokenRepository
    audit: AuditRepository

    def _open(self) -> None:
        self.admins = AdminRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.audit = AuditRepository(self.session)
