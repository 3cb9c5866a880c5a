from __future__ import annotations

from trainyard_common.db.uow import SqlUnitOfWork

from client_directory.adapters.repository import ClientRepository, LearnerRepository


class DirectoryUnitOfWork(SqlUnitOfWork):
    clients: ClientRepository
    learners: LearnerRepository

    def _open(self) -> None:
        self.clients = ClientRepository(self.session)
        self.learners = LearnerRepository(self.session)
