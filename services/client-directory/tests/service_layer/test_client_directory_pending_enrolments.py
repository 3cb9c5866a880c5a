"""Enrolling a learner whose registration has not reached client-directory yet (issue 14): the
enrolment is accepted as pending, shown as such on the class's list, and applied — with the
class's default client as it was at enrolment — when the registration arrives. No Kafka: the
registration goes in as the event handler passes it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest

from client_directory.bootstrap import MIGRATIONS
from client_directory.domain.classes import ClassChanges
from client_directory.domain.clients import ClientChanges
from client_directory.domain.errors import LearnerPending
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.service_layer import classes, erasure
from client_directory.service_layer.clients import CreateClient, change_client, create_client
from client_directory.service_layer.mapping import LearnerSeen, ProfileChanged, record_learner
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], DirectoryUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("directory_pending"), DirectoryUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_client(uows: Uows, domains: list[str], name: str) -> uuid.UUID:
    async with uows() as uow:
        return (await create_client(uow, CreateClient(name, "Technology", domains, []))).id


async def a_class(uows: Uows, default_client_id: uuid.UUID | None) -> uuid.UUID:
    async with uows() as uow:
        command = classes.CreateClass("Safety 101", date(2026, 3, 1), date(2026, 3, 5), default_client_id)
        return (await classes.create_class(uow, command)).id


async def enrol(uows: Uows, class_id: uuid.UUID, *customer_ids: uuid.UUID) -> classes.EnrollmentResult:
    async with uows() as uow:
        return await classes.enroll(uow, class_id, list(customer_ids))


async def arrives(uows: Uows, customer_id: uuid.UUID, email: str) -> None:
    async with uows() as uow:
        await record_learner(uow, LearnerSeen(customer_id, email, None))
        await uow.commit()


async def learner(uows: Uows, customer_id: uuid.UUID) -> Learner | None:
    async with uows() as uow:
        return await uow.learners.get(customer_id)


async def student_statuses(uows: Uows, class_id: uuid.UUID) -> dict[uuid.UUID, bool]:
    async with uows() as uow:
        found, total = await classes.students(uow, class_id, limit=50, offset=0)
    assert total == len(found)
    return {s.customer_id: s.pending for s in found}


async def test_an_enrolment_before_the_registration_is_pending_then_applied_when_it_arrives(uows: Uows) -> None:
    await a_client(uows, ["acme.com"], "Acme")
    partner = await a_client(uows, [], "Partner")
    class_id = await a_class(uows, default_client_id=partner)
    newcomer = uuid.uuid4()  # customer-account issued it a moment ago; its UserRegistered is on its way

    result = await enrol(uows, class_id, newcomer)

    assert (result.enrolled, result.pending, result.default_client_id) == ([newcomer], [newcomer], partner)
    assert await learner(uows, newcomer) is None
    assert await student_statuses(uows, class_id) == {newcomer: True}
    assert await emitted(uows(), "LearnerAssignedToClient") == []

    await arrives(uows, newcomer, "ada@acme.com")

    found = await learner(uows, newcomer)
    assert found is not None
    assert (found.client_id, found.reason) == (partner, AssignmentReason.CLASS)  # the class wins, as if enrolled after
    assert await student_statuses(uows, class_id) == {newcomer: False}
    last = (await emitted(uows(), "LearnerAssignedToClient"))[-1]
    assert (last["client_id"], last["reason"], last["class_id"]) == (str(partner), "class", str(class_id))


async def test_the_default_in_force_at_enrolment_applies_on_arrival_if_still_active(uows: Uows) -> None:
    first = await a_client(uows, [], "First")
    second = await a_client(uows, [], "Second")
    gone = await a_client(uows, [], "Gone")
    class_a = await a_class(uows, default_client_id=first)
    class_b = await a_class(uows, default_client_id=gone)
    early, late = uuid.uuid4(), uuid.uuid4()
    await enrol(uows, class_a, early)
    await enrol(uows, class_b, late)
    async with uows() as uow:
        await classes.update_class(uow, class_a, ClassChanges(set_default=True, default_client_id=second))
    async with uows() as uow:
        await change_client(uow, gone, ClientChanges(active=False))

    await arrives(uows, early, "early@nowhere.org")
    await arrives(uows, late, "late@nowhere.org")

    found_early, found_late = await learner(uows, early), await learner(uows, late)
    assert found_early is not None
    assert found_late is not None
    assert (found_early.client_id, found_early.reason) == (first, AssignmentReason.CLASS)
    assert (found_late.client_id, found_late.reason) == (None, None)  # an inactive client is never applied


async def test_several_pending_enrolments_apply_in_enrolment_order_and_only_once(uows: Uows) -> None:
    first = await a_client(uows, [], "First")
    second = await a_client(uows, [], "Second")
    manual = await a_client(uows, [], "Manual")
    class_a, class_b = await a_class(uows, first), await a_class(uows, second)
    customer_id = uuid.uuid4()
    await enrol(uows, class_a, customer_id)
    again = await enrol(uows, class_a, customer_id)
    await enrol(uows, class_b, customer_id)
    assert (again.already_enrolled, again.pending) == ([customer_id], [customer_id])

    await arrives(uows, customer_id, "ada@nowhere.org")
    found = await learner(uows, customer_id)
    assert found is not None
    assert found.client_id == second

    async with uows() as uow:  # the admin then moves the student; later news must not undo it
        await classes.assign_client_to_students(uow, class_a, [customer_id], manual)
    async with uows() as uow:
        await record_learner(uow, ProfileChanged(customer_id, "ada@elsewhere.org", None, remap=True))
        await uow.commit()
    await arrives(uows, customer_id, "ada@nowhere.org")  # a registration again (a replay): nothing re-applied

    found = await learner(uows, customer_id)
    assert found is not None
    assert (found.client_id, found.reason) == (manual, AssignmentReason.MANUAL)
    assert [e["class_id"] for e in await emitted(uows(), "LearnerAssignedToClient")] == [
        str(class_a),
        str(class_b),
        str(class_a),
    ]


async def test_an_id_that_never_arrives_stays_pending_and_its_client_cannot_be_changed_yet(uows: Uows) -> None:
    partner = await a_client(uows, [], "Partner")
    class_id = await a_class(uows, None)
    known, ghost = uuid.uuid4(), uuid.uuid4()
    await arrives(uows, known, "known@nowhere.org")
    await enrol(uows, class_id, known, ghost)

    with pytest.raises(LearnerPending) as refused:
        async with uows() as uow:
            await classes.assign_client_to_students(uow, class_id, [known, ghost], partner)

    assert refused.value.code == "learner_pending"
    assert "retry" in refused.value.message
    found = await learner(uows, known)
    assert found is not None
    assert found.client_id is None
    assert await student_statuses(uows, class_id) == {known: False, ghost: True}  # visible, not lost


async def test_an_erasure_before_the_registration_applies_the_enrolment_anonymously(uows: Uows) -> None:
    partner = await a_client(uows, [], "Partner")
    class_id = await a_class(uows, partner)
    erased, deleted = uuid.uuid4(), uuid.uuid4()
    await enrol(uows, class_id, erased, deleted)

    for customer_id, scrub in ((erased, erasure.erase_customer), (deleted, erasure.delete_customer)):
        async with uows() as uow:
            uow.event_id = str(uuid.uuid4())  # as the handlers of CustomerErased/Deleted set it
            await scrub(uow, customer_id)
            await uow.commit()
    await arrives(uows, erased, "ada@acme.com")
    await arrives(uows, deleted, "bob@acme.com")

    found = await learner(uows, erased)
    assert found is not None
    assert (found.email, found.client_id, found.reason) == (None, partner, AssignmentReason.CLASS)
    assert await learner(uows, deleted) is None
    assert await student_statuses(uows, class_id) == {erased: False}  # the deleted one is gone for good


async def test_an_enrolment_racing_the_registration_waits_for_it_and_is_never_left_pending(uows: Uows) -> None:
    """The registration's transaction has not committed when the admin enrols: without the
    per-customer arrival lock, the enrolment would not see the learner (not committed) and the
    registration would not see the enrolment (not committed either) — pending for ever."""
    partner = await a_client(uows, [], "Partner")
    class_id = await a_class(uows, partner)
    customer_id = uuid.uuid4()

    async with uows() as registration:
        await record_learner(registration, LearnerSeen(customer_id, "ada@nowhere.org", None))
        enrolment = asyncio.create_task(enrol(uows, class_id, customer_id))
        await asyncio.sleep(0.5)
        assert not enrolment.done()  # it waits for the registration's transaction
        await registration.commit()
    result = await asyncio.wait_for(enrolment, 10)

    assert (result.enrolled, result.pending) == ([customer_id], [])
    found = await learner(uows, customer_id)
    assert found is not None
    assert (found.client_id, found.reason) == (partner, AssignmentReason.CLASS)
    assert await student_statuses(uows, class_id) == {customer_id: False}
