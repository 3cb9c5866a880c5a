"""Classes, enrolments (the class's default client applies then), and bulk client changes for
selected students of a class.

Reasons: the default client applied at enrolment is ``class``; an admin assigning a client to
selected students from the class page is ``manual`` (an explicit admin choice, with the class id
in the event), and removing it is a ``manual`` removal that also keeps automatic mapping off
that learner. Both are never overwritten by automatic mapping.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from client_directory.domain.classes import ClassChanges, TrainingClass, change_class
from client_directory.domain.errors import InvalidInput, NotFoundError
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.domain.matching import ClientMatch
from client_directory.service_layer.assignments import assign, remove
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.vocabulary import RemovalReason


@dataclass(frozen=True, slots=True)
class CreateClass:
    name: str
    starts_on: date
    ends_on: date
    default_client_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class EnrollmentResult:
    enrolled: list[uuid.UUID]
    already_enrolled: list[uuid.UUID]
    default_client_id: uuid.UUID | None


async def create_class(uow: DirectoryUnitOfWork, command: CreateClass) -> TrainingClass:
    training_class = TrainingClass(command.name, command.starts_on, command.ends_on, command.default_client_id).check()
    await _active_client(uow, training_class.default_client_id, "default_client_id")
    await uow.classes.add(training_class)
    await uow.commit()
    return training_class


async def update_class(uow: DirectoryUnitOfWork, class_id: uuid.UUID, changes: ClassChanges) -> TrainingClass:
    training_class = await _class(uow, class_id)
    change_class(training_class, changes)
    if changes.set_default:
        await _active_client(uow, training_class.default_client_id, "default_client_id")
    await uow.classes.update(training_class)
    await uow.commit()
    return training_class


async def enroll(uow: DirectoryUnitOfWork, class_id: uuid.UUID, customer_ids: list[uuid.UUID]) -> EnrollmentResult:
    """Newly enrolled learners get the class's default client as it is NOW (if it is active)."""
    training_class = await _class(uow, class_id, for_update=True)
    learners = await _known_learners(uow, customer_ids)
    newly = await uow.classes.enroll(class_id, list(learners), datetime.now(UTC))
    default = await _usable_default(uow, training_class)
    if default is not None:
        for customer_id in sorted(newly):
            learner = learners[customer_id]
            assign(uow, learner, default, AssignmentReason.CLASS, class_id=class_id)
            await uow.learners.save(learner)
    await uow.commit()
    ordered = list(learners)
    return EnrollmentResult(
        enrolled=[c for c in ordered if c in newly],
        already_enrolled=[c for c in ordered if c not in newly],
        default_client_id=default.client_id if default else None,
    )


async def assign_client_to_students(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID, customer_ids: list[uuid.UUID], client_id: uuid.UUID
) -> list[uuid.UUID]:
    await _class(uow, class_id)
    client = await _active_client(uow, client_id, "client_id")
    assert client is not None
    learners = await _enrolled_learners(uow, class_id, customer_ids)
    for learner in learners:
        assign(uow, learner, client, AssignmentReason.MANUAL, class_id=class_id)
        await uow.learners.save(learner)
    await uow.commit()
    return [learner.customer_id for learner in learners]


async def remove_client_from_students(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID, customer_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    await _class(uow, class_id)
    learners = await _enrolled_learners(uow, class_id, customer_ids)
    for learner in learners:
        remove(uow, learner, RemovalReason.MANUAL, by_admin=True, class_id=class_id)
        await uow.learners.save(learner)
    await uow.commit()
    return [learner.customer_id for learner in learners]


async def _class(uow: DirectoryUnitOfWork, class_id: uuid.UUID, *, for_update: bool = False) -> TrainingClass:
    training_class = await uow.classes.get(class_id, for_update=for_update)
    if training_class is None:
        raise NotFoundError("No such class.")
    return training_class


async def _active_client(uow: DirectoryUnitOfWork, client_id: uuid.UUID | None, field_name: str) -> ClientMatch | None:
    if client_id is None:
        return None
    client = await uow.clients.get(client_id)
    if client is None:
        raise InvalidInput(field_name, "no such client")
    if not client.active:
        raise InvalidInput(field_name, f"client {client.name!r} is inactive")
    return ClientMatch(client.id, client.name)


async def _usable_default(uow: DirectoryUnitOfWork, training_class: TrainingClass) -> ClientMatch | None:
    if training_class.default_client_id is None:
        return None
    client = await uow.clients.get(training_class.default_client_id)
    return ClientMatch(client.id, client.name) if client is not None and client.active else None


async def _known_learners(uow: DirectoryUnitOfWork, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, Learner]:
    wanted = list(dict.fromkeys(customer_ids))
    found = await uow.learners.many_for_update(wanted)
    unknown = [str(c) for c in wanted if c not in found]
    if unknown:
        raise InvalidInput("customer_ids", f"unknown learner(s): {', '.join(unknown)}")
    return {c: found[c] for c in wanted}


async def _enrolled_learners(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID, customer_ids: list[uuid.UUID]
) -> list[Learner]:
    learners = await _known_learners(uow, customer_ids)
    enrolled = await uow.classes.enrolled(class_id, list(learners))
    missing = [str(c) for c in learners if c not in enrolled]
    if missing:
        raise InvalidInput("customer_ids", f"not enrolled in this class: {', '.join(missing)}")
    return list(learners.values())
