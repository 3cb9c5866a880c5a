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
    event_id: str | None = None
    """The ``ce_id`` of the event being handled (claimed in this transaction), if any."""

    def _open(self) -> None:
        self.clients = ClientRepository(self.session)
        self.learners = LearnerRepository(self.session)
        self.classes = ClassRepository(self.session)
        self.reports = ReportRepository(self.session)
        self.event_id = None

    async def claim_event(self, event_id: str, consumer_group: str) -> bool:
        # Handlers get the payload only; erasure receipts must name the request's ce_id.
        self.event_id = event_id
        return await super().claim_event(event_id, consumer_group)
