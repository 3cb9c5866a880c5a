"""Clients and learners in client-directory's database."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, any_, bindparam, delete, func, insert, or_, select, text, union, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from client_directory.adapters.tables import (
    NAME_KEY,
    client_aliases,
    client_domains,
    clients,
    enrollments,
    forgotten_customers,
    learners,
    report_orders,
    report_progress,
)
from client_directory.domain.clients import Client, normalize_alias
from client_directory.domain.learners import AssignmentReason, Learner
from client_directory.domain.matching import ClientIndex, ClientMatch, MatchKeys
from trainyard_common.db.batches import InsertRows, SelectRows, json_array, keys_in, last_per_key
from trainyard_common.db.listing import ListStatements
from trainyard_common.db.text_search import LIKE_ESCAPE, contains_pattern

CLIENTS_LOCK = 0x636C69656E7473  # serialises client writes: names and domains stay unique among active clients


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self) -> None:
        """Until the transaction ends, no other client write checks names or domains."""
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLIENTS_LOCK})

    async def add(self, client: Client) -> None:
        await self._session.execute(insert(clients).values(**_client_row(client), created_at=client.created_at))
        await self._write_names(client)

    async def update(self, client: Client) -> None:
        await self._session.execute(update(clients).where(clients.c.id == client.id).values(**_client_row(client)))
        await self._session.execute(delete(client_domains).where(client_domains.c.client_id == client.id))
        await self._session.execute(delete(client_aliases).where(client_aliases.c.client_id == client.id))
        await self._write_names(client)

    async def _write_names(self, client: Client) -> None:
        if client.email_domains:
            await self._session.execute(
                insert(client_domains), [{"domain": d, "client_id": client.id} for d in client.email_domains]
            )
        if client.aliases:
            await self._session.execute(
                insert(client_aliases),
                [{"client_id": client.id, "alias": a, "alias_key": normalize_alias(a)} for a in client.aliases],
            )

    async def domain_owners(self, domains: list[str], *, other_than: uuid.UUID | None = None) -> dict[str, str]:
        """Which of ``domains`` an active client (other than ``other_than``) owns: domain → its name."""
        query = (
            select(client_domains.c.domain, clients.c.name)
            .join(clients, clients.c.id == client_domains.c.client_id)
            .where(clients.c.active, client_domains.c.domain.in_(domains))
        )
        if other_than is not None:
            query = query.where(clients.c.id != other_than)
        return {row.domain: row.name for row in await self._session.execute(query)}

    async def name_taken(self, name: str, *, other_than: uuid.UUID | None = None) -> bool:
        query = select(clients.c.id).where(clients.c.active, func.lower(clients.c.name) == name.lower())
        if other_than is not None:
            query = query.where(clients.c.id != other_than)
        return await self._session.scalar(query.limit(1)) is not None

    async def get(self, client_id: uuid.UUID) -> Client | None:
        row = (await self._session.execute(client_rows(select(clients.c.id).where(clients.c.id == client_id)))).first()
        return _client(row._mapping) if row else None

    async def search(
        self, *, search: str | None, industry: str | None, active: bool | None, limit: int, offset: int
    ) -> tuple[list[Client], int]:
        """A page by name, with each client's domains and aliases (one statement), and how many
        match (up to ``COUNT_CAP``: ``ListStatements``)."""
        values = _filter_values(search=search, industry=industry, active=active)
        rows, total = await _CLIENT_LIST.page(self._session, values, limit=limit, offset=offset)
        return [_client(row) for row in rows], total

    async def index(self, keys: MatchKeys) -> ClientIndex:
        """The active clients owning any of ``keys``' domains or aliases (two queries at most)."""
        by_domain: dict[str, ClientMatch] = {}
        if keys.domains:
            rows = await self._session.execute(_DOMAIN_OWNERS, {"domains": json_array(keys.domains)})
            by_domain = {row.domain: ClientMatch(row.id, row.name) for row in rows}
        by_alias_key: dict[str, ClientMatch] = {}
        if keys.alias_keys:
            rows = await self._session.execute(_ALIAS_OWNERS, {"keys": json_array(keys.alias_keys)})
            by_alias_key = {row.alias_key: ClientMatch(row.id, row.name) for row in rows}
        return ClientIndex(by_domain, by_alias_key)


CLIENT_ORDER = (NAME_KEY, clients.c.id)


def _sorted_values(column: Any) -> Any:
    """A client's values of ``column`` (a domains or aliases column), sorted, as one array."""
    return (
        select(func.coalesce(func.array_agg(aggregate_order_by(column, column)), text("'{}'")))
        .where(column.table.c.client_id == clients.c.id)
        .scalar_subquery()
    )


_DOMAINS = _sorted_values(client_domains.c.domain).label("email_domains")
_ALIASES = _sorted_values(client_aliases.c.alias).label("aliases")


def client_rows(query: Select[Any]) -> Select[Any]:
    """The clients ``query`` selects (by its conditions), each one row with its e-mail domains and
    aliases: a page of clients is one statement, not three."""
    return query.with_only_columns(*clients.c, _DOMAINS, _ALIASES)


def _client(values: Mapping[str, Any]) -> Client:
    return Client(
        id=values["id"],
        name=values["name"],
        industry=values["industry"],
        active=values["active"],
        created_at=values["created_at"],
        email_domains=list(values["email_domains"]),
        aliases=list(values["aliases"]),
    )


def client_list_query(
    *, search: str | None = None, industry: str | None = None, active: bool | None = None
) -> Select[Any]:
    """The admin list's client ids (``_filtered``), unordered, with these filters' values."""
    values = _filter_values(search=search, industry=industry, active=active)
    return _filtered(frozenset(values)).params(values)


def _filter_values(*, search: str | None, industry: str | None, active: bool | None) -> dict[str, Any]:
    """The filters given, as the statements' parameters (their names make the statements' shape)."""
    values: dict[str, Any] = {}
    if search and search.strip():
        values["pattern"] = contains_pattern(normalize_alias(search))
        values["domain_pattern"] = contains_pattern(search.strip().lower().removeprefix("@"))
    if industry:
        values["industry"] = industry
    if active is not None:
        values["active"] = active
    return values


def _filtered(shape: frozenset[str]) -> Select[Any]:
    """The admin list's client ids, unordered, for the filters named in ``shape`` (their values
    are the parameters of the same names): the substring search (name, e-mail domain, alias) and
    each filter read an index (migration 0006)."""
    query = select(clients.c.id)
    if "pattern" in shape:
        pattern, domain_pattern = bindparam("pattern", type_=String), bindparam("domain_pattern", type_=String)
        # the matching ids first (a union: each branch reads its trigram index), then the clients by
        # their key: an OR of IN subqueries, or a join, had the planner read every client
        matches = union(
            select(clients.c.id).where(NAME_KEY.like(pattern, escape=LIKE_ESCAPE)),
            select(client_domains.c.client_id).where(client_domains.c.domain.like(domain_pattern, escape=LIKE_ESCAPE)),
            select(client_aliases.c.client_id).where(client_aliases.c.alias_key.like(pattern, escape=LIKE_ESCAPE)),
        )
        query = query.where(clients.c.id == any_(func.array(matches.scalar_subquery())))
    if "industry" in shape:
        query = query.where(clients.c.industry == bindparam("industry"))
    if "active" in shape:
        query = query.where(clients.c.active == bindparam("active"))
    return query


_CLIENT_LIST = ListStatements(lambda shape: client_rows(_filtered(shape)), CLIENT_ORDER, counted=_filtered)

_DOMAIN_OWNERS = (
    select(client_domains.c.domain, clients.c.id, clients.c.name)
    .join(clients, clients.c.id == client_domains.c.client_id)
    .where(clients.c.active, client_domains.c.domain.in_(keys_in("domains")))
)
# An alias may belong to several active clients: the oldest one wins, as it always did.
_ALIAS_OWNERS = (
    select(client_aliases.c.alias_key, clients.c.id, clients.c.name)
    .ext(distinct_on(client_aliases.c.alias_key))
    .join(clients, clients.c.id == client_aliases.c.client_id)
    .where(clients.c.active, client_aliases.c.alias_key.in_(keys_in("keys")))
    .order_by(client_aliases.c.alias_key, clients.c.created_at)
)


class LearnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_arrivals(self, customer_ids: Iterable[uuid.UUID]) -> None:
        """Until the transaction ends, serialise with every other transaction that may create
        these learners or enrol them while unknown (a transaction-level advisory lock per
        customer, taken before any row lock, in one order): an enrolment that finds a learner
        missing and the registration that creates them cannot pass each other unseen, so a
        pending enrolment is never left behind by a registration committed meanwhile.

        The two-key form keeps these locks apart from the single-key ones (the clients lock,
        the outbox relay's); two customers sharing a key only wait for each other."""
        keys = sorted({_arrival_key(c) for c in customer_ids})
        if keys:
            await self._session.execute(_LOCK_ARRIVALS, {"space": ARRIVALS_LOCK_SPACE, "keys": keys})

    async def get(self, customer_id: uuid.UUID) -> Learner | None:
        row = (await self._session.execute(select(learners).where(learners.c.customer_id == customer_id))).first()
        return _learner(row) if row else None

    async def get_for_update(self, customer_id: uuid.UUID) -> Learner | None:
        row = (
            await self._session.execute(select(learners).where(learners.c.customer_id == customer_id).with_for_update())
        ).first()
        return _learner(row) if row else None

    async def many_for_update(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Learner]:
        """The learners among ``customer_ids``, locked in key order."""
        rows = await _LOCK_LEARNERS.execute(self._session, customer_ids)
        return {row.customer_id: _learner(row) for row in rows}

    async def save(self, learner: Learner) -> None:
        await self.save_all([learner])

    async def save_all(self, changed: Iterable[Learner]) -> None:
        """Upsert every learner in one statement, in key order (as ``many_for_update`` locks); a
        learner given twice is the same object, so the last is as good as any."""
        rows = [
            (x.customer_id, x.email, x.organization, x.client_id, x.reason, x.assigned_at, x.erased_at)
            for x in last_per_key(changed, key=lambda x: x.customer_id)
        ]
        await _UPSERT_LEARNERS.execute(self._session, rows)

    async def unmapped_matching(self, domains: list[str], alias_keys: list[str]) -> list[Learner]:
        """Learners free for automatic mapping whose e-mail domain (or a sub-domain) or organisation matches.

        The e-mail's domain is what follows its LAST ``@``; a sub-domain matches label-wise
        (``%.acme.com``), so ``acme.com.evil.com`` never matches ``acme.com``.
        """
        email_domain = func.lower(func.regexp_replace(learners.c.email, "^.*@", ""))
        organization_key = func.lower(func.regexp_replace(func.trim(learners.c.organization), r"\s+", " ", "g"))
        conditions = [email_domain.in_(domains), *(email_domain.like(f"%.{d}") for d in domains)] if domains else []
        if alias_keys:
            conditions.append(organization_key.in_(alias_keys))
        if not conditions:
            return []
        rows = await self._session.execute(
            select(learners)
            .where(learners.c.client_id.is_(None), learners.c.reason.is_(None), or_(*conditions))
            .order_by(learners.c.customer_id)
            .with_for_update()
        )
        return [_learner(row) for row in rows]

    async def of_client(self, client_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Learner], int]:
        where = learners.c.client_id == client_id
        total = await self._session.scalar(select(func.count()).select_from(learners).where(where))
        rows = await self._session.execute(
            select(learners)
            .where(where)
            .order_by(learners.c.email.nulls_last(), learners.c.customer_id)
            .limit(limit)
            .offset(offset)
        )
        return [_learner(row) for row in rows], int(total or 0)

    async def is_forgotten(self, customer_id: uuid.UUID) -> bool:
        return bool(await self.forgotten_among([customer_id]))

    async def forgotten_among(self, customer_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``customer_ids`` were deleted (their tombstone keeps them out for good)."""
        return {row.customer_id for row in await _FORGOTTEN.execute(self._session, customer_ids)}

    async def forget(self, customer_id: uuid.UUID, at: datetime) -> None:
        """Delete everything held about the customer; keep only the bare id as a tombstone."""
        for table in (enrollments, report_progress, report_orders, learners):
            await self._session.execute(delete(table).where(table.c.customer_id == customer_id))
        await self._session.execute(
            pg_insert(forgotten_customers).values(customer_id=customer_id, forgotten_at=at).on_conflict_do_nothing()
        )


ARRIVALS_LOCK_SPACE = 0x6C726E72  # "lrnr": the first key of the per-customer arrival locks
# unnest yields the (sorted) keys in order, so every transaction takes its locks in one order.
_LOCK_ARRIVALS = text("SELECT count(pg_advisory_xact_lock(:space, k)) FROM unnest(CAST(:keys AS integer[])) AS k")


def _arrival_key(customer_id: uuid.UUID) -> int:
    return int.from_bytes(customer_id.bytes[:4], "big", signed=True)


_FORGOTTEN = SelectRows(forgotten_customers, "customer_id", ["customer_id"])
_LEARNER_COLUMNS = ("customer_id", "email", "organization", "client_id", "reason", "assigned_at", "erased_at")
_LOCK_LEARNERS = SelectRows(learners, "customer_id", _LEARNER_COLUMNS, lock="UPDATE")
_UPSERT_LEARNERS = InsertRows(learners, _LEARNER_COLUMNS, conflict=["customer_id"], update=_LEARNER_COLUMNS[1:])


def _client_row(client: Client) -> dict[str, object]:
    return {"id": client.id, "name": client.name, "industry": client.industry, "active": client.active}


def _learner(row: object) -> Learner:
    values = row._asdict()  # type: ignore[attr-defined]
    reason = values.pop("reason")
    return Learner(**values, reason=AssignmentReason(reason) if reason else None)
