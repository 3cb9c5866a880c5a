from __future__ import annotations

from training_progress.adapters.repository import CustomerRepository
from trainyard_common.db.uow import SqlUnitOfWork


class ProgressUnitOfWork(SqlUnitOfWork):
    customers: CustomerRepository

    def _open(self) -> None:
        self.customers = CustomerRepository(self.session)
