from __future__ import annotations

from gateway.adapters.repository import AdminRepository, AuditRepository, IntegrationRepository, TokenRepository
from trainyard_common.db.uow import SqlUnitOfWork


class GatewayUnitOfWork(SqlUnitOfWork):
    admins: AdminRepository
    tokens: TokenRepository
    audit: AuditRepository
    integrations: IntegrationRepository

    def _open(self) -> None:
        self.admins = AdminRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.integrations = IntegrationRepository(self.session)

    async def release(self) -> None:
        """End the transaction so far (nothing written) and hand the connection back to the pool,
        before a wait (a sign-in delay, a password hash) that needs no database."""
        await self.session.rollback()
