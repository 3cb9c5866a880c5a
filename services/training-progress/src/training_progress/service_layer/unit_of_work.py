from __future__ import annotations

from training_progress.adapters.catalogue import CatalogueRepository
from training_progress.adapters.imports import ImportRepository
from training_progress.adapters.learning import CmiRepository, SubmissionRepository
from training_progress.adapters.progress import ProgressRepository
from training_progress.adapters.projections import ProjectionRepository
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
