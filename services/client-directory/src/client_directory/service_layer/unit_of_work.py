from __future__ import annotations

from client_directory.adapters.repository import ClientRepository, LearnerRepository
from trainyard_common.db.uow import SqlUnitOfWork


class DirectoryUnitOfWork(SqlUnitOfWork):
    clients: ClientRepository
    learners: LearnerRepository

    def _open(self) -> None:
        self.clients = ClientRepository(self.session)
        self.learners = LearnerRepository(self.session)
