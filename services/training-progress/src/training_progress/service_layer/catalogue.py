"""Adding and revising modules, courses and certifications: names unique per type, parts must exist
(and be active when newly picked). Items are never deleted: progress and reports refer to them, so an
item leaves the pick lists by being deactivated (issue 17, item 12)."""

from __future__ import annotations

import uuid

from training_progress.domain.catalogue import Item, Revision, added_parts, revise
from training_progress.domain.errors import Conflict, Invalid, NotFound
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.vocabulary import TrainingItemType


async def add_item(uow: ProgressUnitOfWork, item: Item) -> Item:
    """``item`` comes from the domain's constructors (already checked on its own)."""
    async with uow:
        if await uow.catalogue.name_taken(item.type, item.name):
            raise Conflict(f"A {item.type.value} named {item.name!r} exists already.", field="name")
        await _parts_exist(uow, TrainingItemType.MODULE, [m.module_id for m in item.modules], "module_ids")
        await _parts_exist(uow, TrainingItemType.COURSE, item.course_ids, "course_ids")
        await _parts_active(uow, [m.module_id for m in item.modules] + item.course_ids, _parts_field(item))
        await uow.catalogue.add(item)
        await uow.commit()
    return item


async def _parts_exist(uow: ProgressUnitOfWork, item_type: TrainingItemType, ids: list[uuid.UUID], field: str) -> None:
    if not ids:
        return
    missing = set(ids) - await uow.catalogue.existing(item_type, ids)
    if missing:
        raise Invalid(f"No {item_type.value} {', '.join(sorted(map(str, missing)))}.", field=field)


async def revise_item(
    uow: ProgressUnitOfWork, item_type: TrainingItemType, item_id: uuid.UUID, revision: Revision
) -> Item:
    """Rename, restructure, (de)activate. Existing progress is left as it is: a completed course stays
    completed when its structure changes; the new structure counts from the next roll-up on."""
    async with uow:
        await uow.catalogue.lock(item_id)
        before = await uow.catalogue.get(item_id)
        if before is None or before.type is not item_type:
            raise NotFound(f"No {item_type.value} with this id.", field="id")
        after = revise(before, revision)
        if revision.name is not None and await uow.catalogue.name_taken(item_type, after.name, other_than=item_id):
            raise Conflict(f"A {item_type.value} named {after.name!r} exists already.", field="name")
        await _parts_exist(uow, TrainingItemType.MODULE, [m.module_id for m in after.modules], "module_ids")
        await _parts_exist(uow, TrainingItemType.COURSE, after.course_ids, "course_ids")
        await _parts_active(uow, added_parts(before, after), _parts_field(after))
        await uow.catalogue.update(after)
        await uow.commit()
    return after


def _parts_field(item: Item) -> str:
    return "course_ids" if item.type is TrainingItemType.CERTIFICATION else "module_ids"


async def _parts_active(uow: ProgressUnitOfWork, ids: list[uuid.UUID], field: str) -> None:
    if not ids:
        return
    inactive = await uow.catalogue.inactive(ids)
    if inactive:
        raise Invalid(f"Inactive: {', '.join(sorted(map(str, inactive)))}.", field=field)
