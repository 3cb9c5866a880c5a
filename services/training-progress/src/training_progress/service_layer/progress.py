"""Recording progress: learner activity, admin entries and edits, deletions; and rolling it up.

The use cases a route calls (``record_learner_progress``, ``manual_completion``, ``edit_entry``,
``delete_entries``) run their own transaction; ``learner_activity`` runs inside the caller's (a
quiz result or SCORM data lands there too).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from training_progress.adapters.views import ProgressQuery, progress_ids
from training_progress.domain import progress as rules
from training_progress.domain.catalogue import Item
from training_progress.domain.errors import Conflict, Invalid, NotFound
from training_progress.domain.progress import NamedEntry, ProgressEntry
from training_progress.service_layer.announcements import change_events, deletion_event
from training_progress.service_layer.unit_of_work import ProgressUnitOfWork
from trainyard_common.vocabulary import ProgressSource, TrainingItemType


@dataclass(frozen=True, slots=True)
class ManualCompletion:
    training_type: TrainingItemType
    item_id: uuid.UUID
    customer_id: uuid.UUID
    completed_on: date
    partner_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class EntryEdit:
    """An admin's edit of a transcript item: status, completion time, score (only what is given)."""

    completed: bool | None = None
    completed_at: datetime | None = None
    score: Decimal | None = None
    score_given: bool = False
    attended: bool | None = None
    """In-person modules (issue 17, item 7): True completes the module (on the event's day unless
    ``completed_at`` is given), False reopens it if completed; not together with ``completed``."""


async def item_of_type(uow: ProgressUnitOfWork, item_type: TrainingItemType, item_id: uuid.UUID) -> Item:
    item = await uow.catalogue.get(item_id)
    if item is None or item.type is not item_type:
        raise NotFound(f"No {item_type.value} with this id.", field="item_id")
    return item


async def apply(
    uow: ProgressUnitOfWork,
    before: ProgressEntry | None,
    after: ProgressEntry,
    item_name: str,
    now: datetime,
    *,
    impersonated_by: str | None = None,
) -> ProgressEntry:
    """Store ``after``, announce the change, and roll it up to the courses and certifications above;
    the change (roll-up included) names ``impersonated_by``, the admin whose action it was while
    impersonating the learner (None: the learner, an admin's own entry). Returns the entry as stored
    (``before`` when nothing changed: it keeps who made it)."""
    if after == before:
        return before
    after = rules.changed_by(after, impersonated_by)
    await uow.progress.save(after, now)
    was_completed = before is not None and before.completed and before.id == after.id
    if before is not None and before.id != after.id:
        uow.emit(deletion_event(before, item_name, now))  # reopened: the completed entry is gone
    uow.emit(*change_events(NamedEntry(after, item_name), now, was_completed=was_completed))
    rolled_up = await uow.progress.roll_up_entry(
        after.customer_id, after.item_id, source=after.source, now=now, impersonated_by=impersonated_by
    )
    for changed in rolled_up:
        uow.emit(*change_events(changed, now))
    return after


async def record_learner_progress(
    uow: ProgressUnitOfWork,
    customer_id: uuid.UUID,
    item_type: TrainingItemType,
    item_id: uuid.UUID,
    *,
    completed: bool,
    score: Decimal | None,
    now: datetime,
    impersonated_by: str | None = None,
) -> ProgressEntry:
    """The learner (through the gateway's learner API) started or completed a module they have
    live access to; not a course or certification (the roll-up completes them), nor a quiz module
    as completed or scored (its submission does). ``impersonated_by``: the admin acting as the
    learner (issue 15, item 9), named on the change and its roll-up."""
    async with uow:
        item = await item_of_type(uow, item_type, item_id)
        rules.check_learner_may_record(item, completed=completed, score=score)
        await check_live_access(uow, customer_id, item, now)
        entry = await learner_activity(
            uow, customer_id, item, completed=completed, score=score, now=now, impersonated_by=impersonated_by
        )
        await uow.commit()
    return entry


async def check_live_access(uow: ProgressUnitOfWork, customer_id: uuid.UUID, module: Item, now: datetime) -> None:
    """The learner's own activity on a module needs access to it live today (UTC): a product
    opening the module, one of its courses or one of their certifications (issue 15, item 7)."""
    if not await uow.projections.has_live_access(customer_id, module.id, now.astimezone(UTC).date()):
        raise rules.no_access()


async def learner_activity(
    uow: ProgressUnitOfWork,
    customer_id: uuid.UUID,
    item: Item,
    *,
    completed: bool,
    score: Decimal | None,
    now: datetime,
    source: ProgressSource = ProgressSource.LEARNER,
    completed_at: datetime | None = None,
    impersonated_by: str | None = None,
) -> ProgressEntry:
    """The learner started or completed an item (a quiz result or SCORM data lands here too);
    ``impersonated_by``: the admin acting as the learner, if one is."""
    rules.check_score(item.type, score)
    await uow.progress.lock_customer(customer_id)
    before = await uow.progress.get(customer_id, item.id)
    after = before or rules.started(customer_id, item.type, item.id, now, source)
    if completed and not after.completed:
        after = rules.complete(after, completed_at or now, source, score)
    elif score is not None and score != after.score:
        after = rules.rescore(after, score, source)
    return await apply(uow, before, after, item.name, now, impersonated_by=impersonated_by)


async def manual_completion(
    uow: ProgressUnitOfWork, request: ManualCompletion, today: date, now: datetime
) -> ProgressEntry:
    """ "Set Training as Completed": past or today only; the user must belong to the partner given."""
    rules.check_not_future(request.completed_on, today)
    async with uow:
        item = await item_of_type(uow, request.training_type, request.item_id)
        if await uow.customers.get(request.customer_id) is None:
            raise NotFound("No such customer.", field="customer_id")
        if (
            request.partner_id is not None
            and await uow.projections.client_of(request.customer_id) != request.partner_id
        ):
            raise Invalid("The user does not belong to this partner.", field="partner_id")
        await uow.progress.lock_customer(request.customer_id)
        before = await uow.progress.get(request.customer_id, item.id)
        if before is not None and before.completed:
            raise Conflict("The user has already completed this item.", field="item_id")
        base = before or rules.not_started(request.customer_id, item.type, item.id, ProgressSource.ADMIN)
        after = rules.complete(base, rules.start_of_day(request.completed_on), ProgressSource.ADMIN)
        after = await apply(uow, before, after, item.name, now)
        await uow.commit()
    return after


async def edit_entry(
    uow: ProgressUnitOfWork, customer_id: uuid.UUID, item_id: uuid.UUID, edit: EntryEdit, now: datetime
) -> ProgressEntry:
    """The transcript's "Edit": status, completion date and time, score (modules only)."""
    async with uow:
        item = await uow.catalogue.get(item_id)
        if item is None:
            raise NotFound("No such item.", field="item_id")
        if edit.score_given:
            rules.check_score(item.type, edit.score)
        edit = _attendance(item, edit, now)
        if edit.completed_at is not None and edit.completed_at > now:
            raise Invalid("The completion time must not be in the future.", field="completed_at")
        await uow.progress.lock_customer(customer_id)
        before = await uow.progress.get(customer_id, item_id)
        after = _edited(before or rules.not_started(customer_id, item.type, item.id, ProgressSource.ADMIN), edit, now)
        after = await apply(uow, before, after, item.name, now)
        await uow.commit()
    return after


def _attendance(item: Item, edit: EntryEdit, now: datetime) -> EntryEdit:
    """An admin's ``attended`` as the status edit it stands for (any item but an in-person module: 422)."""
    if edit.attended is None:
        return edit
    if edit.completed is not None:
        raise Invalid("Give either the status or the attendance, not both.", field="attended")
    if not edit.attended:
        rules.check_in_person(item)
        return replace(edit, completed=False, completed_at=None)
    return replace(edit, completed=True, completed_at=rules.attendance_completed_at(item, edit.completed_at, now))


def _edited(entry: ProgressEntry, edit: EntryEdit, now: datetime) -> ProgressEntry:
    completing = edit.completed if edit.completed is not None else entry.completed
    if completing:
        entry = rules.complete(entry, edit.completed_at or entry.completed_at or now, ProgressSource.ADMIN)
    elif entry.completed:
        entry = rules.reopen(entry, ProgressSource.ADMIN)
    if edit.score_given:
        entry = rules.rescore(entry, edit.score, ProgressSource.ADMIN)
    return entry


async def delete_entries(uow: ProgressUnitOfWork, ids: list[uuid.UUID], now: datetime) -> int:
    """Delete the entries, each announced; nothing cascades: a course keeps its completion when one of
    its modules' progress goes, and a course's deletion leaves its modules' progress alone."""
    unique = list(dict.fromkeys(ids))
    async with uow:
        found = await uow.progress.by_ids(unique)
        missing = set(unique) - {n.entry.id for n in found}
        if missing:
            raise NotFound(f"No progress entry {', '.join(sorted(map(str, missing)))}.", field="ids")
        await uow.progress.delete(unique)
        uow.emit(*(deletion_event(n.entry, n.item_name, now) for n in found))
        await uow.commit()
    return len(found)


async def delete_matching(uow: ProgressUnitOfWork, query: ProgressQuery, expected_count: int, now: datetime) -> int:
    """ "Select all", then delete: every entry the listing's filters match, each announced like
    ``delete_entries``; refused (409, nothing deleted) when they are not ``expected_count`` entries,
    so the admin deletes what they saw."""
    async with uow:
        ids = await progress_ids(uow.session, query)
        found = await uow.progress.by_ids(ids) if ids else []
        if len(found) != expected_count:
            raise Conflict(
                f"The filter now matches {len(found)} entries, not {expected_count}: list them again.",
                field="expected_count",
            )
        if found:
            await uow.progress.delete([n.entry.id for n in found])
            uow.emit(*(deletion_event(n.entry, n.item_name, now) for n in found))
        await uow.commit()
    return len(found)
