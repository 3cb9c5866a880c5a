"""Customers: load, save, find and list."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer_account.adapters.overviews import customer_of, overview_fields, overview_page, overview_rows
from customer_account.adapters.tables import FULL_NAME, customer_groups, customers
from customer_account.domain.customer import Customer, CustomerStatus
from trainyard_common.db.batches import LockRows, UpdateRows, any_of
from trainyard_common.db.listing import ListStatements
from trainyard_common.db.text_search import LIKE_ESCAPE, contains_pattern

# The client is written by batches of client-directory's events (two topics, handled
# concurrently): rows are locked in key order, then updated.
_LOCK_CLIENTS = LockRows(customers, "id", ["id", "client_id"], mode="NO KEY UPDATE")
_SET_CLIENTS = UpdateRows(customers, "id", ["client_id"])


def _row(customer: Customer) -> dict[str, Any]:
    return {**asdict(customer), "status": customer.status.value}


def _customer(row: Any) -> Customer:
    return customer_of(row._asdict())


_MANY = select(customers).where(any_of(customers.c.id, "ids"))


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_if_email_free(self, customer: Customer) -> bool:
        """Insert unless the e-mail is taken; the unique index decides, so races are safe."""
        inserted = await self._session.execute(
            insert(customers)
            .values(**_row(customer))
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(customers.c.id)
        )
        return inserted.first() is not None

    async def get(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
        query = select(customers).where(customers.c.id == customer_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).first()
        return _customer(row) if row else None

    async def many(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        rows = await self._session.execute(_MANY, {"ids": list(set(customer_ids))})
        return {row.id: _customer(row) for row in rows}

    async def by_email(self, email: str) -> Customer | None:
        row = (await self._session.execute(select(customers).where(customers.c.email == email))).first()
        return _customer(row) if row else None

    async def ids_by_email(self, emails: Iterable[str]) -> dict[str, uuid.UUID]:
        rows = await self._session.execute(
            select(customers.c.email, customers.c.id).where(customers.c.email.in_(list(emails)))
        )
        return {row.email: row.id for row in rows}

    async def save(self, customer: Customer) -> None:
        values = _row(customer)
        del values["id"], values["client_id"]  # the client is client-directory's to say (events)
        await self._session.execute(update(customers).where(customers.c.id == customer.id).values(**values))

    async def email_taken_by_other(self, email: str, customer_id: uuid.UUID) -> bool:
        query = select(customers.c.id).where(customers.c.email == email, customers.c.id != customer_id)
        return (await self._session.execute(query)).first() is not None

    async def clients_for_update(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
        """The existing customers among ``customer_ids`` and their client, locked in key order."""
        return {row.id: row.client_id for row in await _LOCK_CLIENTS.execute(self._session, customer_ids)}

    async def set_clients(self, clients: Mapping[uuid.UUID, uuid.UUID | None]) -> None:
        """One statement; lock the rows first (``clients_for_update``)."""
        await _SET_CLIENTS.execute(self._session, list(clients.items()))

    async def delete(self, customer_id: uuid.UUID) -> None:
        await self._session.execute(delete(customers).where(customers.c.id == customer_id))

    async def search(
        self,
        *,
        search: str | None,
        status: CustomerStatus | None,
        group_id: uuid.UUID | None,
        client_id: uuid.UUID | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page, newest first, each customer's overview as the API shows it (one statement),
        and how many match (counted up to ``COUNT_CAP``: ``ListStatements``)."""
        values = _filter_values(search=search, status=status, group_id=group_id, client_id=client_id)
        rows, total = await _CUSTOMER_LIST.page(self._session, values, limit=limit, offset=offset)
        return [overview_fields(row) for row in rows], total

    async def overview(self, customer_id: uuid.UUID) -> dict[str, Any] | None:
        """The customer with its groups, deletion request and deletion blockers, as the API
        shows it (one statement)."""
        row = (
            await self._session.execute(overview_rows(select(customers).where(customers.c.id == customer_id)))
        ).first()
        return overview_fields(row._mapping) if row else None


LIST_ORDER = (customers.c.created_at.desc(), customers.c.id)


def total_query(**filters: Any) -> Select[Any]:
    """What the list's total counts (``_counted``), with the values of ``filters``
    (``_filter_values``' keywords)."""
    values = _filter_values(**filters)
    return _counted(frozenset(values)).params(values)


def _filter_values(
    *,
    search: str | None = None,
    status: CustomerStatus | None = None,
    group_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The filters given, as the statements' parameters (their names make the statements' shape)."""
    values: dict[str, Any] = {}
    if search:
        values["pattern"] = contains_pattern(search.strip())
    if status is not None:
        values["status"] = status.value
    if group_id is not None:
        values["group_id"] = group_id
    if client_id is not None:
        values["client_id"] = client_id
    return values


def _counted(shape: frozenset[str]) -> Select[Any]:
    """What the list's total counts: ``_filtered``'s rows, but a group's members are counted from
    the membership index (``_chosen``), alone without reading the customers (every membership has
    its customer: the foreign key), else each member's customer read by key. Joined to the
    customers as ``_filtered`` does, a group's total was a hash join over all of them (28 ms on
    100,000 customers, against 1 ms)."""
    if "group_id" in shape:
        return _chosen(shape)
    return _filtered(shape)


def _filtered(shape: frozenset[str]) -> Select[Any]:
    """The admin list's rows, unordered, for the filters named in ``shape`` (their values are the
    parameters of the same names): each filter has its index (migration 0011), the search's
    substrings (ILIKE '%…%') pg_trgm's GIN indexes on e-mail, ``FULL_NAME`` and organisation."""
    return select(customers).where(*_conditions(shape))


def _conditions(shape: frozenset[str]) -> list[ColumnElement[bool]]:
    """The conditions on a customer of the filters named in ``shape``."""
    conditions: list[ColumnElement[bool]] = []
    if "pattern" in shape:
        pattern = bindparam("pattern", type_=String)
        conditions.append(
            or_(
                customers.c.email.ilike(pattern, escape=LIKE_ESCAPE),
                FULL_NAME.ilike(pattern, escape=LIKE_ESCAPE),
                customers.c.organization.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if "status" in shape:
        conditions.append(customers.c.status == bindparam("status"))
    if "group_id" in shape:
        members = select(customer_groups.c.customer_id).where(customer_groups.c.group_id == bindparam("group_id"))
        conditions.append(customers.c.id.in_(members))
    if "client_id" in shape:
        conditions.append(customers.c.client_id == bindparam("client_id"))
    return conditions


def _chosen(shape: frozenset[str]) -> Select[Any]:
    """The ids and creation times of the customers the filters in ``shape`` match, the page to
    be chosen from (``_order``). A group's members come from its own index, newest first
    (``customer_groups.customer_created_at``, migration 0014)."""
    if "group_id" not in shape:
        return _filtered(shape).with_only_columns(customers.c.id, customers.c.created_at)
    members = select(
        customer_groups.c.customer_id.label("id"), customer_groups.c.customer_created_at.label("created_at")
    ).where(customer_groups.c.group_id == bindparam("group_id"))
    others = shape - {"group_id"}
    if not others:
        return members
    return members.join(customers, customers.c.id == customer_groups.c.customer_id).where(*_conditions(others))


def _order(shape: frozenset[str]) -> tuple[Any, ...]:
    if "group_id" in shape:
        return (customer_groups.c.customer_created_at.desc(), customer_groups.c.customer_id)
    return LIST_ORDER


_CUSTOMER_LIST = ListStatements(_chosen, _order, counted=_counted, shown=overview_page)


def page_query(*, limit: int = 50, offset: int = 0, **filters: Any) -> Select[Any]:
    """The statement ``search`` runs for these filters' page, values bound (for EXPLAIN, a bench)."""
    return _CUSTOMER_LIST.bound(_filter_values(**filters), limit=limit, offset=offset)
