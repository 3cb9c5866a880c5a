"""Putting a learner in or out of a client, and saying so (LearnerAssignedToClient / ...Removed...)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.domain.matching import ClientMatch
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import LearnerAssignedToClient, LearnerRemovedFromClient
from trainyard_common.vocabulary import AssignmentReason as ContractReason
from trainyard_common.vocabulary import RemovalReason


def assign(
    uow: DirectoryUnitOfWork,
    learner: Learner,
    client: ClientMatch,
    reason: AssignmentReason,
    class_id: uuid.UUID | None = None,
) -> None:
    previous = learner.client_id
    if not learner.assign(client.client_id, reason, datetime.now(UTC)):
        return
    uow.emit(
        LearnerAssignedToClient(
            customer_id=learner.customer_id,
            client_id=client.client_id,
            client_name=client.client_name,
            reason=ContractReason(reason.value),
            previous_client_id=previous if previous != client.client_id else None,
            class_id=class_id,
            assigned_at=learner.assigned_at,
        )
    )


def remove(
    uow: DirectoryUnitOfWork,
    learner: Learner,
    reason: RemovalReason,
    *,
    by_admin: bool,
    class_id: uuid.UUID | None = None,
) -> None:
    previous = learner.unassign(by_admin=by_admin)
    if previous is None:
        return
    uow.emit(
        LearnerRemovedFromClient(
            customer_id=learner.customer_id,
            client_id=previous,
            reason=reason,
            class_id=class_id,
            removed_at=datetime.now(UTC),
        )
    )
