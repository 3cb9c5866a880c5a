"""Issue 17, items 9 and 11: one learner to any client (outside a class), the report for several
clients, and the report per class (each enrolment counted for the client the student had in it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest

from client_directory.bootstrap import MIGRATIONS
from client_directory.domain.clients import ClientChanges
from client_directory.domain.errors import InvalidInput, LearnerPending, NotFoundError
from client_directory.domain.learners import AssignmentReason
from client_directory.domain.reporting import ReportQuery
from client_directory.service_layer import classes, reporting
from client_directory.service_layer.clients import CreateClient, change_client, create_client
from client_directory.service_layer.mapping import LearnerSeen, record_learner
from client_directory.service_layer.unit_of_work import DirectoryUnitOfWork
from trainyard_common.testing.use_cases import emitted, units_of_work

pytestmark = pytest.mark.integration

Uows = Callable[[], DirectoryUnitOfWork]


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("directory_any"), DirectoryUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def a_client(uows: Uows, name: str, domains: list[str] | None = None) -> uuid.UUID:
    async with uows() as uow:
        return (await create_client(uow, CreateClient(name, "Technology", domains or [], []))).id


async def registered(uows: Uows, email: str) -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with uows() as uow:
        await record_learner(uow, LearnerSeen(customer_id, email, None))
        await uow.commit()
    return customer_id


async def set_client(uows: Uows, customer_id: uuid.UUID, client_id: uuid.UUID | None) -> None:
    async with uows() as uow:
        await classes.assign_client_to_learner(uow, customer_id, client_id)


async def mapping(uows: Uows, customer_id: uuid.UUID) -> tuple[uuid.UUID | None, AssignmentReason | None]:
    async with uows() as uow:
        learner = await uow.learners.get(customer_id)
    assert learner is not None
    return learner.client_id, learner.reason


async def test_an_admin_assigns_one_learner_to_any_client_outside_a_class(uows: Uows) -> None:
    acme = await a_client(uows, "Acme", ["acme.com"])
    globex = await a_client(uows, "Globex")
    ada = await registered(uows, "ada@acme.com")

    await set_client(uows, ada, globex)

    assert await mapping(uows, ada) == (globex, AssignmentReason.MANUAL)
    moved = (await emitted(uows(), "LearnerAssignedToClient"))[-1]
    assert (moved["client_id"], moved["reason"], moved["previous_client_id"], moved["class_id"]) == (
        str(globex),
        "manual",
        str(acme),
        None,
    )


async def test_null_removes_the_client_and_keeps_automatic_mapping_off(uows: Uows) -> None:
    await a_client(uows, "Acme", ["acme.com"])
    ada = await registered(uows, "ada@acme.com")

    await set_client(uows, ada, None)

    assert await mapping(uows, ada) == (None, AssignmentReason.MANUAL)
    [removed] = await emitted(uows(), "LearnerRemovedFromClient")
    assert removed["reason"] == "manual"


async def test_an_inactive_or_unknown_client_and_an_unknown_learner_are_refused(uows: Uows) -> None:
    old = await a_client(uows, "Old")
    async with uows() as uow:
        await change_client(uow, old, ClientChanges(active=False))
    ada = await registered(uows, "ada@example.org")

    with pytest.raises(InvalidInput):
        await set_client(uows, ada, old)
    with pytest.raises(InvalidInput):
        await set_client(uows, ada, uuid.uuid4())
    with pytest.raises(LearnerPending):
        await set_client(uows, uuid.uuid4(), None)
    assert await mapping(uows, ada) == (None, None)


async def test_the_report_is_limited_to_several_clients(uows: Uows) -> None:
    acme, globex, _initech = [await a_client(uows, n) for n in ("Acme", "Globex", "Initech")]

    async with uows() as uow:
        reports, total = await reporting.client_report(uow, ReportQuery(client_ids=(acme, globex)))

    assert total == 2
    assert {r.client_id for r in reports} == {acme, globex}


async def test_the_class_report_counts_each_enrolment_for_the_client_had_in_that_class(uows: Uows) -> None:
    acme = await a_client(uows, "Acme")
    globex = await a_client(uows, "Globex")
    ada, bob, cy = [await registered(uows, f"{n}@example.org") for n in ("ada", "bob", "cy")]
    async with uows() as uow:
        class_id = (
            await classes.create_class(uow, classes.CreateClass("Safety", date(2026, 3, 1), date(2026, 3, 2), acme))
        ).id
    async with uows() as uow:
        await classes.enroll(uow, class_id, [ada, bob, cy])
    async with uows() as uow:  # the class page: bob's client in this class is Globex
        await classes.assign_client_to_students(uow, class_id, [bob], globex)
    async with uows() as uow:  # the class page: cy has no client in this class
        await classes.remove_client_from_students(uow, class_id, [cy])
    await set_client(uows, ada, globex)  # later, outside the class: not the client she had in it

    async with uows() as uow:
        training_class, rows = await reporting.class_report(uow, class_id)

    assert training_class.id == class_id
    assert rows == [(acme, "Acme", 1), (globex, "Globex", 1), (None, None, 1)]
    async with uows() as uow:  # the report by current client moves ada to Globex
        [by_client], _ = await reporting.client_report(uow, ReportQuery(client_ids=(globex,)))
    assert by_client.enrollments == 2


async def test_the_class_report_of_an_unknown_class_is_not_found(uows: Uows) -> None:
    async with uows() as uow:
        with pytest.raises(NotFoundError):
            await reporting.class_report(uow, uuid.uuid4())
