"""Mapping learners to clients automatically, by e-mail domain or organisation alias."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from client_directory.adapters.repository import ClientMatch
from client_directory.domain.clients import email_domain_candidates
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.service_layer.assignments import assign, remove
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.contracts import RemovalReason


@dataclass(frozen=True, slots=True)
class LearnerSeen:
    """A customer registered."""

    customer_id: uuid.UUID
    email: str
    organization: str | None


@dataclass(frozen=True, slots=True)
class ProfileChanged:
    """A customer's e-mail and/or organisation may have changed (``remap``: one of them did)."""

    customer_id: uuid.UUID
    email: str
    organization: str | None
    remap: bool


async def record_learner(uow: DirectoryUnitOfWork, command: LearnerSeen) -> None:
    """A registration; if a (later) profile change or an erasure got here first, it wins."""
    if await uow.learners.is_forgotten(command.customer_id):
        return
    learner = await uow.learners.get_for_update(command.customer_id)
    if learner is None:
        learner = Learner(customer_id=command.customer_id, email=command.email, organization=command.organization)
    await map_automatically(uow, learner)


async def record_profile_change(uow: DirectoryUnitOfWork, command: ProfileChanged) -> None:
    if await uow.learners.is_forgotten(command.customer_id):
        return
    learner = await uow.learners.get_for_update(command.customer_id)
    if learner is None:
        learner = Learner(customer_id=command.customer_id, email=command.email, organization=command.organization)
    elif learner.erased_at is not None:
        return  # an erased customer's personal data does not come back
    learner.email, learner.organization = command.email, command.organization
    await map_automatically(uow, learner, may_remove=command.remap)


async def map_automatically(uow: DirectoryUnitOfWork, learner: Learner, *, may_remove: bool = False) -> None:
    """Domain first, then alias; manual and class assignments stay as they are.

    ``may_remove``: a learner whose e-mail/organisation no longer matches any active client
    leaves the client automatic mapping gave them.
    """
    if learner.may_be_mapped_automatically():
        match, reason = await _find_client(uow, learner)
        if match is not None and reason is not None:
            assign(uow, learner, match, reason)
        elif may_remove:
            remove(uow, learner, RemovalReason.NO_LONGER_MATCHES, by_admin=False)
    await uow.learners.save(learner)


async def _find_client(
    uow: DirectoryUnitOfWork, learner: Learner
) -> tuple[ClientMatch | None, AssignmentReason | None]:
    if learner.email:
        by_domain = await uow.clients.match_by_domain(email_domain_candidates(learner.email))
        if by_domain is not None:
            return by_domain, AssignmentReason.DOMAIN
    if learner.organization:
        by_alias = await uow.clients.match_by_alias(learner.organization)
        if by_alias is not None:
            return by_alias, AssignmentReason.ALIAS
    return None, None
