from __future__ import annotations

from commerce_access.adapters.repository import CustomerRepository
from trainyard_common.db.uow import SqlUnitOfWork


class CommerceUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository

    def _open(self) -> None:
        self.customers = CustomerRepository(self.session)
