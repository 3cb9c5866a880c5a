from __future__ import annotations

from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.projections.customers import CustomerProjection


class CommerceUnitOfWork(SqlUnitOfWork):
    customers: CustomerProjection

    def _open(self) -> None:
        self.customers = CustomerProjection(self.session)
