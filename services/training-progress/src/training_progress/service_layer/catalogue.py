"""Adding modules, courses and certifications: names unique per type, parts must exist."""

from __future__ import annotations

import uuid

from training_progress.domain.catalogue import Item
from training_progress.domain.errors import Conflict, Invalid
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.vocabulary import TrainingItemType


async def add_item(uow: ProgressUnitOfWork, item: Item) -> Item:
    """``item`` comes from the domain's constructors (already checked on its own)."""
    async with uow:
        if await uow.catalogue.name_taken(item.type, item.name):
            raise Conflict(f"A {item.type.value} named {item.name!r} exists already.", field="name")
        await _parts_exist(uow, TrainingItemType.MODULE, [m.module_id for m in item.modules], "module_ids")
        await _parts_exist(uow, TrainingItemType.COURSE, item.course_ids, "course_ids")
        await uow.catalogue.add(item)
        await uow.commit()
    return item


async def _parts_exist(uow: ProgressUnitOfWork, item_type: TrainingItemType, ids: list[uuid.UUID], field: str) -> None:
    if not ids:
        return
    missing = set(ids) - await uow.catalogue.existing(item_type, ids)
    if missing:
        raise Invalid(f"No {item_type.value} {', '.join(sorted(map(str, missing)))}.", field=field)
