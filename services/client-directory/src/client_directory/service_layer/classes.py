"""Classes, enrolments (the class's default client applies then), and bulk client changes for
selected students of a class.

Reasons: the default client applied at enrolment is ``class``; an admin assigning a client to
selected students from the class page is ``manual`` (an explicit admin choice, with the class id
in the event), and removing it is a ``manual`` removal that also keeps automatic mapping off
that learner. Both are never overwritten by automatic mapping.

A customer enrolled before their registration reached client-directory is a pending student:
the enrolment keeps the class's default client of that moment, applied when the learner arrives
(``apply_on_arrival``, called by the registration's handler under the same per-customer lock).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from client_directory.domain.classes import ClassChanges, ClassStudent, PendingEnrolment, TrainingClass, change_class
from client_directory.domain.errors import InvalidInput, LearnerPending, NotFoundError
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
    pending: list[uuid.UUID] = field(default_factory=list)
    """Enrolled, but their registration has not reached client-directory yet."""


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
    """Newly enrolled learners get the class's default client as it is NOW (if it is active).

    A customer whose registration has not reached client-directory yet (the admin enrols an id
    customer-account issued a moment ago) is enrolled all the same, as *pending*: the default
    client recorded now is applied when the registration arrives (``apply_on_arrival``). Only a
    deleted customer is refused (422, nothing applied).
    """
    training_class = await _class(uow, class_id, for_update=True)
    wanted = list(dict.fromkeys(customer_ids))
    await uow.learners.lock_arrivals(wanted)
    forgotten = await uow.learners.forgotten_among(wanted)
    if forgotten:
        deleted = ", ".join(str(c) for c in wanted if c in forgotten)
        raise InvalidInput("customer_ids", f"deleted customer(s): {deleted}")
    learners = await uow.learners.many_for_update(wanted)
    default = await _usable_default(uow, training_class)
    # The client each student has in this class: the default if any, else the one they have now
    # (a pending student: the default recorded, applied when they arrive).
    in_class = {c: default.client_id if default else learners[c].client_id for c in learners}
    newly = await uow.classes.enroll(
        class_id, wanted, datetime.now(UTC), default.client_id if default else None, in_class
    )
    if default is not None:
        for customer_id in sorted(newly & learners.keys()):
            learner = learners[customer_id]
            assign(uow, learner, default, AssignmentReason.CLASS, class_id=class_id)
            await uow.learners.save(learner)
    await uow.commit()
    return EnrollmentResult(
        enrolled=[c for c in wanted if c in newly],
        already_enrolled=[c for c in wanted if c not in newly],
        default_client_id=default.client_id if default else None,
        pending=[c for c in wanted if c not in learners],
    )


def apply_on_arrival(uow: DirectoryUnitOfWork, learner: Learner, pending: list[PendingEnrolment]) -> None:
    """The learner's registration arrived after they were enrolled: apply each enrolment's
    default client (as recorded then, if still active), oldest enrolment first, as enrolling
    them one after the other would have. Called once, when the learner's row is created (the
    caller holds ``lock_arrivals``), after the registration's own automatic mapping."""
    for enrolment in pending:
        if enrolment.default_client_id is None or not enrolment.default_client_active:
            continue
        client = ClientMatch(enrolment.default_client_id, enrolment.default_client_name or "")
        assign(uow, learner, client, AssignmentReason.CLASS, class_id=enrolment.class_id)


async def students(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[ClassStudent], int]:
    await _class(uow, class_id)
    return await uow.classes.students(class_id, limit=limit, offset=offset)


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
    await uow.classes.set_client_in_class(class_id, [learner.customer_id for learner in learners], client.client_id)
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
    await uow.classes.set_client_in_class(class_id, [learner.customer_id for learner in learners], None)
    await uow.commit()
    return [learner.customer_id for learner in learners]


async def assign_client_to_learner(
    uow: DirectoryUnitOfWork, customer_id: uuid.UUID, client_id: uuid.UUID | None
) -> Learner:
    """One learner to any active client, outside any class (reason ``manual``); ``None`` removes
    their client as an admin's removal (automatic mapping keeps off). Enrolments keep the client
    the learner had in their classes. A customer not known here yet: 409 ``learner_pending``; a
    deleted one: 404."""
    client = await _active_client(uow, client_id, "client_id")
    await uow.learners.lock_arrivals([customer_id])
    if await uow.learners.forgotten_among([customer_id]):
        raise NotFoundError("No such customer.")
    found = await uow.learners.many_for_update([customer_id])
    if customer_id not in found:
        raise LearnerPending([str(customer_id)])
    learner = found[customer_id]
    if client is None:
        remove(uow, learner, RemovalReason.MANUAL, by_admin=True)
    else:
        assign(uow, learner, client, AssignmentReason.MANUAL)
    await uow.learners.save(learner)
    await uow.commit()
    return learner


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


async def _enrolled_learners(
    uow: DirectoryUnitOfWork, class_id: uuid.UUID, customer_ids: list[uuid.UUID]
) -> list[Learner]:
    """The students, locked; a pending student (enrolled, registration not arrived yet) is a 409
    that says to retry: their client cannot be changed before they have one to change."""
    wanted = list(dict.fromkeys(customer_ids))
    found = await uow.learners.many_for_update(wanted)
    enrolled = await uow.classes.enrolled(class_id, wanted)
    unknown = [str(c) for c in wanted if c not in found and c not in enrolled]
    if unknown:
        raise InvalidInput("customer_ids", f"unknown learner(s): {', '.join(unknown)}")
    missing = [str(c) for c in wanted if c not in enrolled]
    if missing:
        raise InvalidInput("customer_ids", f"not enrolled in this class: {', '.join(missing)}")
    pending = [str(c) for c in wanted if c not in found]
    if pending:
        raise LearnerPending(pending)
    return [found[c] for c in wanted]
