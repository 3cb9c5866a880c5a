"""Read-only queries behind the admin pages: progress listings, the transcript, partner summaries,
the export. They return plain rows (dicts); nothing here changes state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, Subquery, and_, bindparam, desc, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from training_progress.adapters.tables import (
    USER_FULL_NAME,
    access,
    course_modules,
    items,
    learner_clients,
    progress,
)
from trainyard_common.db.batches import any_of
from trainyard_common.db.listing import TOTAL, ListStatements
from trainyard_common.db.text_search import LIKE_ESCAPE, contains_pattern
from trainyard_common.projections.customers import customers


@dataclass(frozen=True, slots=True)
class ProgressQuery:
    item_type: str
    name: str | None = None
    partner_id: uuid.UUID | None = None
    user: str | None = None
    status: str | None = None
    limit: int = 50
    offset: int = 0


async def progress_list(session: AsyncSession, query: ProgressQuery) -> tuple[list[dict[str, Any]], int]:
    """A page, most recently changed first, and how many match (up to ``COUNT_CAP``: ``ListStatements``);
    each filter has its index (migration 0009)."""
    rows, total = await _PROGRESS_LIST.page(session, _filter_values(query), limit=query.limit, offset=query.offset)
    if query.item_type == "course" and rows:
        await _add_module_counts(session, rows)
    return rows, total


async def progress_ids(session: AsyncSession, query: ProgressQuery) -> list[uuid.UUID]:
    """Every entry the listing's filters match (``limit`` and ``offset`` ignored): "select all"."""
    return list(await session.scalars(matching(query)))


def page_query(query: ProgressQuery) -> Select[Any]:
    """The statement ``progress_list`` runs for ``query``'s page, values bound (for EXPLAIN, a bench)."""
    return _PROGRESS_LIST.bound(_filter_values(query), limit=query.limit, offset=query.offset)


LIST_ORDER = (desc(progress.c.updated_at), progress.c.id)


def matching(query: ProgressQuery) -> Select[Any]:
    """The entries ``query`` filters, joined only to the tables a filter reads (``_matched``), with
    its values: what the total counts."""
    values = _filter_values(query)
    return _matched(frozenset(values)).params(values)


def _filter_values(query: ProgressQuery) -> dict[str, Any]:
    """The filters given, as the statements' parameters (their names make the statements' shape)."""
    values: dict[str, Any] = {"item_type": query.item_type}
    if query.name:
        values["name_pattern"] = contains_pattern(query.name)
    if query.partner_id:
        values["partner_id"] = query.partner_id
    if query.user:
        values["user_pattern"] = contains_pattern(query.user)
    if query.status:
        values["status"] = query.status
    return values


def _matched(shape: frozenset[str]) -> Select[Any]:
    """The entries the listing shows, joined only to the tables a filter reads: what the total
    counts (every entry has its item, and at most one customer and one partner row)."""
    chosen = select(progress.c.id).where(progress.c.item_type == bindparam("item_type"))
    if "name_pattern" in shape:
        chosen = chosen.join(items, items.c.id == progress.c.item_id).where(_NAME_MATCHES)
    if "partner_id" in shape:
        chosen = chosen.where(_PARTNER_MATCHES)
    if "user_pattern" in shape:
        chosen = chosen.join(customers, customers.c.customer_id == progress.c.customer_id).where(_USER_MATCHES)
    if "status" in shape:
        chosen = chosen.where(progress.c.status == bindparam("status"))
    return chosen


# the learner's partner, kept on the entry (tables.PROGRESS_PARTNER): its own index, no join
_PARTNER_MATCHES = progress.c.partner_id == bindparam("partner_id", type_=progress.c.partner_id.type)
_NAME_MATCHES = items.c.name.ilike(bindparam("name_pattern", type_=String), escape=LIKE_ESCAPE)
# both read a trigram index (tables.USER_FULL_NAME, migration 0009)
_USER_PATTERN = bindparam("user_pattern", type_=String)
_USER_MATCHES = or_(
    customers.c.email.ilike(_USER_PATTERN, escape=LIKE_ESCAPE), USER_FULL_NAME.ilike(_USER_PATTERN, escape=LIKE_ESCAPE)
)


def _chosen(shape: frozenset[str]) -> Select[Any]:
    """The entries the filters in ``shape`` match (``_matched``), with every column of theirs."""
    return _matched(shape).with_only_columns(*progress.c)


def _shown(page: Subquery) -> Select[Any]:
    """The chosen page's entries as the listing shows them: with their item's name, their
    learner's e-mail and name and their partner, in the listing's order.

    The partner is read by key for each of the page's entries (a lateral lookup: a learner has at
    most one): as a plain join, the planner hashed every partner row for the fifty when the
    table was small (10,000 rows)."""
    partner = (
        select(learner_clients.c.client_id, learner_clients.c.client_name)
        .where(learner_clients.c.customer_id == page.c.customer_id)
        .limit(1)
        .lateral("partner")
    )
    return (
        select(
            page.c.id,
            page.c.item_type,
            page.c.item_id,
            items.c.name.label("item_name"),
            page.c.customer_id,
            customers.c.email,
            customers.c.first_name,
            customers.c.last_name,
            partner.c.client_id.label("partner_id"),
            partner.c.client_name.label("partner_name"),
            page.c.status,
            page.c.score,
            page.c.source,
            page.c.started_at,
            page.c.completed_at,
            page.c[TOTAL],
        )
        .select_from(page)
        .join(items, items.c.id == page.c.item_id)
        .outerjoin(customers, customers.c.customer_id == page.c.customer_id)
        .outerjoin(partner, true())
        .order_by(desc(page.c.updated_at), page.c.id)
    )


_PROGRESS_LIST = ListStatements(_chosen, LIST_ORDER, counted=_matched, shown=_shown)


async def _add_module_counts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """For course entries: how many of the course's required modules the learner has completed now."""
    for row in rows:
        counts = (
            await session.execute(
                select(func.count(course_modules.c.module_id), func.count(progress.c.id))
                .select_from(course_modules)
                .outerjoin(
                    progress,
                    and_(
                        progress.c.item_id == course_modules.c.module_id,
                        progress.c.customer_id == row["customer_id"],
                        progress.c.status == "completed",
                    ),
                )
                .where(course_modules.c.course_id == row["item_id"], course_modules.c.required)
            )
        ).one()
        row["required_modules"], row["required_modules_completed"] = int(counts[0]), int(counts[1])


def _transcript_statement() -> Select[Any]:
    """Every item the customer (``:customer_id``) has access to (any access row) or progress on,
    with the access's expiry."""
    customer_id = bindparam("customer_id", type_=access.c.customer_id.type)
    access_by_item = (
        select(
            access.c.item_id,
            func.bool_or(access.c.state == "active").label("active"),
            func.bool_or(and_(access.c.state == "active", access.c.ends_on.is_(None))).label("unlimited"),
            func.max(access.c.ends_on).filter(access.c.state == "active").label("active_until"),
            func.max(access.c.ends_on).label("last_end"),
            func.array_agg(func.distinct(access.c.state)).label("states"),
        )
        .where(access.c.customer_id == customer_id, access.c.item_id.is_not(None))
        .group_by(access.c.item_id)
        .subquery()
    )
    entries = select(progress).where(progress.c.customer_id == customer_id).subquery()
    item_ids = select(access_by_item.c.item_id).union(select(entries.c.item_id)).subquery()
    return (
        select(
            items.c.id.label("item_id"),
            items.c.item_type,
            items.c.name,
            items.c.kind,
            entries.c.id.label("progress_id"),
            entries.c.status,
            entries.c.score,
            entries.c.started_at,
            entries.c.completed_at,
            access_by_item.c.active,
            access_by_item.c.unlimited,
            access_by_item.c.active_until,
            access_by_item.c.last_end,
            access_by_item.c.states,
        )
        .select_from(item_ids)
        .join(items, items.c.id == item_ids.c.item_id)
        .outerjoin(entries, entries.c.item_id == items.c.id)
        .outerjoin(access_by_item, access_by_item.c.item_id == items.c.id)
        .order_by(items.c.item_type, items.c.name_key)
    )


def _course_modules_statement() -> Select[Any]:
    """The modules of the courses ``:course_ids`` with the customer's (``:customer_id``) progress on each."""
    customer_id = bindparam("customer_id", type_=progress.c.customer_id.type)
    return (
        select(
            course_modules.c.course_id,
            course_modules.c.module_id,
            course_modules.c.required,
            items.c.name,
            items.c.kind,
            progress.c.id.label("progress_id"),
            progress.c.status,
            progress.c.score,
            progress.c.completed_at,
        )
        .join(items, items.c.id == course_modules.c.module_id)
        .outerjoin(
            progress, and_(progress.c.item_id == course_modules.c.module_id, progress.c.customer_id == customer_id)
        )
        .where(any_of(course_modules.c.course_id, "course_ids"))
        .order_by(course_modules.c.course_id, course_modules.c.position)
    )


# Built once: the customer view reads a learner's transcript after each change to their access or
# progress, and building these (their subqueries, and SQLAlchemy's cache key) cost more than
# running them (py-spy under the checkout bench).
_TRANSCRIPT = _transcript_statement()
_COURSE_MODULES = _course_modules_statement()


async def transcript(session: AsyncSession, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every item the customer has access to (any access row) or progress on, with the access's expiry."""
    return [dict(r._mapping) for r in await session.execute(_TRANSCRIPT, {"customer_id": customer_id})]


async def course_modules_progress(
    session: AsyncSession, customer_id: uuid.UUID, course_ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """The modules of these courses with the customer's progress on each (the transcript's course items)."""
    if not course_ids:
        return []
    rows = await session.execute(_COURSE_MODULES, {"customer_id": customer_id, "course_ids": list(course_ids)})
    return [dict(r._mapping) for r in rows]


async def partner_summary(session: AsyncSession, client_id: uuid.UUID, limit: int) -> dict[str, Any]:
    """Recent course and certification completions by the partner's users, and the certifications
    they completed most."""
    of_partner = (
        select(
            progress, items.c.name.label("item_name"), customers.c.email, customers.c.first_name, customers.c.last_name
        )
        .join(items, items.c.id == progress.c.item_id)
        .join(learner_clients, learner_clients.c.customer_id == progress.c.customer_id)
        .outerjoin(customers, customers.c.customer_id == progress.c.customer_id)
        .where(learner_clients.c.client_id == client_id, progress.c.status == "completed")
    )
    recent = await session.execute(
        of_partner.where(progress.c.item_type.in_(["course", "certification"]))
        .order_by(desc(progress.c.completed_at), progress.c.id)
        .limit(limit)
    )
    n = func.count().label("completions")
    top = await session.execute(
        select(progress.c.item_id, items.c.name, n)
        .join(items, items.c.id == progress.c.item_id)
        .join(learner_clients, learner_clients.c.customer_id == progress.c.customer_id)
        .where(
            learner_clients.c.client_id == client_id,
            progress.c.status == "completed",
            progress.c.item_type == "certification",
        )
        .group_by(progress.c.item_id, items.c.name)
        .order_by(desc(n), items.c.name)
        .limit(limit)
    )
    return {
        "recent_activity": [dict(r._mapping) for r in recent],
        "top_certifications": [dict(r._mapping) for r in top],
    }
