"""Mapping learners to clients automatically, by e-mail domain or organisation alias."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from client_directory.adapters.repository import ClientMatch
from client_directory.domain.clients import email_domain_candidates
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import AssignmentReason as ContractReason
from trainyard_common.contracts import LearnerAssignedToClient


@dataclass(frozen=True, slots=True)
class LearnerSeen:
    """A customer registered or changed e-mail / organisation."""

    customer_id: uuid.UUID
    email: str
    organization: str | None


async def record_learner(uow: DirectoryUnitOfWork, command: LearnerSeen) -> None:
    learner = await uow.learners.get_for_update(command.customer_id) or Learner(
        customer_id=command.customer_id, email=command.email, organization=command.organization
    )
    learner.email, learner.organization = command.email, command.organization
    await map_automatically(uow, learner)


async def map_automatically(uow: DirectoryUnitOfWork, learner: Learner) -> None:
    """Domain first, then alias; manual and class assignments stay as they are."""
    if learner.may_be_mapped_automatically():
        match, reason = await _find_client(uow, learner)
        if match is not None and reason is not None and match.client_id != learner.client_id:
            _assign(uow, learner, match, reason)
    await uow.learners.save(learner)


async def _find_client(
    uow: DirectoryUnitOfWork, learner: Learner
) -> tuple[ClientMatch | None, AssignmentReason | None]:
    by_domain = await uow.clients.match_by_domain(email_domain_candidates(learner.email))
    if by_domain is not None:
        return by_domain, AssignmentReason.DOMAIN
    if learner.organization:
        by_alias = await uow.clients.match_by_alias(learner.organization)
        if by_alias is not None:
            return by_alias, AssignmentReason.ALIAS
    return None, None


def _assign(uow: DirectoryUnitOfWork, learner: Learner, match: ClientMatch, reason: AssignmentReason) -> None:
    previous = learner.client_id
    learner.client_id, learner.reason, learner.assigned_at = match.client_id, reason, datetime.now(UTC)
    uow.emit(
        LearnerAssignedToClient(
            customer_id=learner.customer_id,
            client_id=match.client_id,
            client_name=match.client_name,
            reason=ContractReason(reason.value),
            previous_client_id=previous,
            assigned_at=learner.assigned_at,
        )
    )
