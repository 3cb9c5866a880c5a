from __future__ import annotations

from trainyard_common.db.uow import SqlUnitOfWork

from customer_account.adapters.repository import CustomerRepository


class CustomerUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository

    def _open(self) -> None:
        self.customers = CustomerRepository(self.session)
