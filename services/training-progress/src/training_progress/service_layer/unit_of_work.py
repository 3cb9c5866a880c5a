"""training-progress's unit of work: one transaction, its repositories, its outbox."""

from __future__ import annotations

from training_progress.adapters.catalogue import CatalogueRepository
from training_progress.adapters.imports import ImportRepository
from training_progress.adapters.learning import CmiRepository, SubmissionRepository
from training_progress.adapters.progress import CHANGE_EVENTS, ProgressRepository
from training_progress.adapters.projections import ProjectionRepository
from trainyard_common.actors import current_acted_by
from trainyard_common.db.bulk import outbox_params
from trainyard_common.db.uow import SqlUnitOfWork
from trainyard_common.projections.customers import CustomerProjection


class ProgressUnitOfWork(SqlUnitOfWork):
    customers: CustomerProjection
    catalogue: CatalogueRepository
    progress: ProgressRepository
    submissions: SubmissionRepository
    cmi: CmiRepository
    projections: ProjectionRepository
    imports: ImportRepository

    def _open(self) -> None:
        self.customers = CustomerProjection(self.session)
        self.catalogue = CatalogueRepository(self.session)
        self.progress = ProgressRepository(self.session)
        self.submissions = SubmissionRepository(self.session)
        self.cmi = CmiRepository(self.session)
        self.projections = ProjectionRepository(self.session)
        self.imports = ImportRepository(self.session)

    def change_announcement(self) -> dict[str, str]:
        """For statements that write entries and their events in SQL (an import's commit and its
        roll-up): the outbox parameters, so the events come from this service, with this
        transaction's cause and the request's actor; the commit then wakes the relay."""
        return {**outbox_params(self, CHANGE_EVENTS), "acted_by": current_acted_by().model_dump_json()}
