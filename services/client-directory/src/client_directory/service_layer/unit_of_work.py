from __future__ import annotations

from client_directory.adapters.classes import ClassRepository
from client_directory.adapters.reporting import ReportRepository
from client_directory.adapters.repository import ClientRepository, LearnerRepository
from trainyard_common.db.uow import SqlUnitOfWork


class DirectoryUnitOfWork(SqlUnitOfWork):
    clients: ClientRepository
    learners: LearnerRepository
    classes: ClassRepository
    reports: ReportRepository

    def _open(self) -> None:
        self.clients = ClientRepository(self.session)
        self.learners = LearnerRepository(self.session)
        self.classes = ClassRepository(self.session)
        self.reports = ReportRepository(self.session)
