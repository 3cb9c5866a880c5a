"""Issue 17, items 12 and 13 as use cases on a fresh migrated database (no broker, no HTTP): the
catalogue is maintained (rename, restructure, deactivate) and "select all" deletes what the admin saw."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

import pytest

from training_progress.adapters import views
from training_progress.adapters.views import ProgressQuery
from training_progress.bootstrap import MIGRATIONS
from training_progress.domain import catalogue
from training_progress.domain.catalogue import CourseModule, Item, ModuleKind, Revision
from training_progress.domain.errors import Conflict, NotFound
from training_progress.service_layer import progress as use_cases
from training_progress.service_layer.catalogue import add_item, revise_item
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.domain_errors import InvalidInput
from trainyard_common.projections.customers import KnownCustomer
from trainyard_common.testing.use_cases import emitted, units_of_work
from trainyard_common.vocabulary import ProgressStatus, TrainingItemType

pytestmark = pytest.mark.integration

Uows = Callable[[], ProgressUnitOfWork]
NOW = datetime(2025, 3, 24, 12, tzinfo=UTC)
MODULE, COURSE, CERTIFICATION = TrainingItemType.MODULE, TrainingItemType.COURSE, TrainingItemType.CERTIFICATION


@pytest.fixture
async def uows(new_database: Callable[[str], str]) -> AsyncIterator[Uows]:
    async with units_of_work(new_database("tp"), ProgressUnitOfWork, MIGRATIONS) as factory:
        yield factory


async def _module(uows: Uows, name: str) -> Item:
    return await add_item(uows(), catalogue.new_module(name, ModuleKind.CONTENT))


async def _customer(uows: Uows, email: str) -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with uows() as uow:
        await uow.customers.save(KnownCustomer(customer_id, email, "Ada", "Lovelace", NOW))
        await uow.commit()
    return customer_id


async def _complete(uows: Uows, customer_id: uuid.UUID, item: Item) -> None:
    request = use_cases.ManualCompletion(item.type, item.id, customer_id, date(2025, 3, 1))
    await use_cases.manual_completion(uows(), request, NOW.date(), NOW)


async def _listed(uows: Uows, item_type: TrainingItemType, *, include_inactive: bool = False) -> set[uuid.UUID]:
    async with uows() as uow:
        found, _ = await uow.catalogue.of_type(item_type, None, 500, 0, include_inactive=include_inactive)
    return {i.id for i in found}


async def test_rename_restructure_and_deactivate_keep_progress(uows: Uows) -> None:
    first, second = await _module(uows, "First"), await _module(uows, "Second")
    course = await add_item(uows(), catalogue.new_course("Course", [CourseModule(first.id)]))
    learner = await _customer(uows, "ada@example.com")
    await _complete(uows, learner, first)  # rolls up: the course is completed

    renamed = await revise_item(uows(), MODULE, first.id, Revision(name="  First, renamed "))
    assert renamed.name == "First, renamed"
    restructured = await revise_item(
        uows(), COURSE, course.id, Revision(modules=[CourseModule(second.id), CourseModule(first.id, False)])
    )
    assert [(m.module_id, m.required) for m in restructured.modules] == [(second.id, True), (first.id, False)]
    async with uows() as uow:
        stored = await uow.catalogue.get(course.id)
        assert stored is not None
        assert stored.modules == restructured.modules
        # existing progress is left as it was: the course stays completed under its new structure
        kept = await uow.progress.get(learner, course.id)
        assert kept is not None
        assert kept.status is ProgressStatus.COMPLETED

    await revise_item(uows(), MODULE, first.id, Revision(active=False))
    assert first.id not in await _listed(uows, MODULE)
    assert first.id in await _listed(uows, MODULE, include_inactive=True)
    async with uows() as uow:  # still in progress and reports, under its new name
        rows, _ = await views.progress_list(uow.session, ProgressQuery("module"))
    assert [(r["item_id"], r["item_name"]) for r in rows] == [(first.id, "First, renamed")]

    await revise_item(uows(), MODULE, first.id, Revision(active=True))
    assert first.id in await _listed(uows, MODULE)


async def test_revisions_are_checked(uows: Uows) -> None:
    module, other = await _module(uows, "Module"), await _module(uows, "Other")
    course = await add_item(uows(), catalogue.new_course("Course", [CourseModule(module.id)]))
    with pytest.raises(Conflict):
        await revise_item(uows(), MODULE, module.id, Revision(name="other"))
    assert (await revise_item(uows(), MODULE, module.id, Revision(name="MODULE"))).name == "MODULE"  # its own name
    with pytest.raises(NotFound):
        await revise_item(uows(), COURSE, module.id, Revision(name="x"))
    with pytest.raises(InvalidInput):
        await revise_item(uows(), MODULE, module.id, Revision(course_ids=[course.id]))
    with pytest.raises(InvalidInput):
        await revise_item(uows(), COURSE, course.id, Revision(modules=[CourseModule(uuid.uuid4())]))
    with pytest.raises(InvalidInput):
        catalogue.revise(course, Revision(modules=[CourseModule(module.id), CourseModule(module.id)]))
    with pytest.raises(NotFound):
        await revise_item(uows(), CERTIFICATION, uuid.uuid4(), Revision(active=False))
    # an inactive module is not newly picked, but one already in the course may stay
    await revise_item(uows(), MODULE, other.id, Revision(active=False))
    await revise_item(uows(), MODULE, module.id, Revision(active=False))
    with pytest.raises(InvalidInput):
        await revise_item(
            uows(), COURSE, course.id, Revision(modules=[CourseModule(module.id), CourseModule(other.id)])
        )
    with pytest.raises(InvalidInput):
        await add_item(uows(), catalogue.new_course("New", [CourseModule(other.id)]))
    assert (await revise_item(uows(), COURSE, course.id, Revision(name="Kept"))).modules == [CourseModule(module.id)]


async def test_select_all_deletes_what_the_filter_matches_when_the_count_agrees(uows: Uows) -> None:
    module, other = await _module(uows, "Survey basics"), await _module(uows, "Statistics")
    ada, bob = await _customer(uows, "ada@example.com"), await _customer(uows, "bob@example.com")
    for learner in (ada, bob):
        await _complete(uows, learner, module)
    await _complete(uows, ada, other)
    query = ProgressQuery("module", name="survey")

    with pytest.raises(Conflict):
        await use_cases.delete_matching(uows(), query, 3, NOW)
    async with uows() as uow:
        assert await uow.progress.get(ada, module.id) is not None  # nothing deleted

    assert await use_cases.delete_matching(uows(), query, 2, NOW) == 2
    assert len(await emitted(uows(), "ProgressDeleted")) == 2
    async with uows() as check:
        assert await check.progress.get(ada, module.id) is None
        assert await check.progress.get(bob, module.id) is None
        assert await check.progress.get(ada, other.id) is not None
    assert await use_cases.delete_matching(uows(), query, 0, NOW) == 0
