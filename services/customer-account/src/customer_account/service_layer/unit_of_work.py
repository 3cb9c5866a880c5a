from __future__ import annotations

from customer_account.adapters.repository import CustomerRepository
from trainyard_common.db.uow import SqlUnitOfWork


class CustomerUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository

    def _open(self) -> None:
        self.customers = CustomerRepository(self.session)
