"""Each learner's partner (client), kept from client-directory's events (the Partner filter and
partner summaries), a partition batch at a time."""

from __future__ import annotations

from collections.abc import Sequence

from training_progress.domain.learners import LearnerClient
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.db.batches import apply_in_order
from trainyard_common.projections.clients import ClientNews, client_after


async def assign(uow: ProgressUnitOfWork, assignments: Sequence[LearnerClient]) -> None:
    """An assignment replaces any partner: the last of a learner's assignments wins."""
    await uow.projections.assign_clients(assignments)


async def remove(uow: ProgressUnitOfWork, removals: Sequence[ClientNews]) -> None:
    """Apply the removals in order to the learners' partners (locked); each learner whose partner
    is now none loses its row, in one statement."""
    partners = await uow.projections.clients_for_update(r.customer_id for r in removals)
    changed = apply_in_order(partners, removals, key=lambda r: r.customer_id, step=client_after)
    await uow.projections.remove_clients([customer_id for customer_id, client in changed.items() if client is None])
