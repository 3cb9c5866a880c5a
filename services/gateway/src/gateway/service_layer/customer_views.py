"""The customer page from a read model: event notification, then read back.

The gateway keeps, in its own database, each customer's page as the services last answered it
(``adapters/customer_views.py``), one row per section. An event that changes a section
(``domain/customer_view.py``) makes the gateway read that section again from the same internal
path the live page used (``customer_page.section_sources``) and store its JSON text with
``as_of``, the time it was read. The page is then one indexed read: the stored JSON is
concatenated, never parsed or validated again.

* A service that cannot answer leaves its section as it was (the last good data, with its
  ``as_of``); the read is queued in ``customer_view_pending`` and retried periodically, with
  growing delays, so no change is lost while it is down.
* A section another service changes on hearing an event, without publishing anything (the
  transcript on AccessGranted, the profile's ``deletable`` on an order...), is read
  ``recheck_seconds`` later (a pending read due then), when that service has usually applied it.
* Erasure and deletion delete the customer's view and leave a tombstone: nothing read later
  (a late event, a retry, the live fallback) writes it back.
* A section not in the view (a customer from before the gateway subscribed, or never reached by
  an event) is read live when the page is asked for, stored, and answered; the profile's 404
  from customer-account is still the page's 404 (and nothing is stored for it).
* An event that names an order or an access row has only those rows read (by id: one call per
  section for a whole batch of events) and placed into the stored order history or access list
  (``place``), which the view keeps one row per listed row: a learner with a long history costs
  the same per order as a new one. Where the stored page cannot place a row, the section is read
  whole.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.adapters import customer_views as store
from gateway.adapters.actors import act_as_admin
from gateway.domain.customer_view import (
    BLOCKERS,
    PROFILE,
    ROW_ID,
    SECTION_SERVICE,
    SECTIONS,
    HeldPage,
    Noticed,
    Placement,
    ReadThrottle,
    Row,
    blocked,
    changes_of,
    deletion_blockers,
    listed,
    place,
    still_unsettled,
)
from gateway.domain.replies import ServiceUnavailable
from gateway.service_layer.customer_page import CustomerNotFound, many_sources, row_sources, section_sources
from gateway.service_layer.ports import ServiceSet
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from trainyard_common.api.customers import DeletionStatus
from trainyard_common.http.deps import MAX_IDS_PER_READ
from trainyard_common.logs import get_logger

log = get_logger(__name__)

VIEW_ACTOR = "gateway:customer-view"
"""The admin name the view's own reads are signed with (no admin is behind them)."""

NO_EXTRAS = '"deletion":null,"deletable":null,"not_deletable_reasons":null'
Pair = tuple[uuid.UUID, str]
T = TypeVar("T")


class _Extras(BaseModel):
    """The page's fields taken from the profile, serialised as ``CustomerDetails`` does."""

    deletion: DeletionStatus | None = None
    deletable: bool | None = None
    not_deletable_reasons: list[str] | None = None


@dataclass(frozen=True, slots=True)
class ViewConfig:
    timeout_seconds: float = 2.0
    concurrency: int = 8
    recheck_seconds: float = 1.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    retry_batch: int = 200
    lease_seconds: float = 60.0
    throttle_seconds: float = 0.0
    """A section an event names is read at once, unless it was read less than this ago: then a
    moment later, once for all the events meanwhile (``ReadThrottle``); 0: always at once."""


@dataclass(frozen=True, slots=True)
class Read:
    """One section read from its service: stored (``section``), or failed (``failure``)."""

    customer_id: uuid.UUID
    name: str
    section: store.StoredSection | None = None
    failure: str | None = None

    @property
    def pair(self) -> Pair:
        return (self.customer_id, self.name)

    @property
    def profile_not_found(self) -> bool:
        return self.name == PROFILE and self.section is not None and self.section.extras is None


def now_utc() -> datetime:
    return datetime.now(UTC)


def _as_of_json(as_of: datetime | None) -> bytes:
    return orjson.dumps(as_of, option=orjson.OPT_UTC_Z)


def section_body(service: str, data: bytes | None, reason: str | None, as_of: datetime | None) -> str:
    """The section's JSON as the page shows it (``SectionPublic``'s fields, in order)."""
    return (
        b'{"available":'
        + (b"true" if reason is None else b"false")
        + b',"service":'
        + orjson.dumps(service)
        + b',"data":'
        + (data if data is not None else b"null")
        + b',"reason":'
        + orjson.dumps(reason)
        + b',"as_of":'
        + _as_of_json(as_of)
        + b"}"
    ).decode()


def profile_extras(data: Any) -> str:
    """``"deletion":…,"deletable":…,"not_deletable_reasons":…`` from the profile's data."""
    if not isinstance(data, dict):
        return NO_EXTRAS
    try:
        extras = _Extras.model_validate({k: data.get(k) for k in _Extras.model_fields})
    except ValidationError:
        log.warning("customer profile with unreadable deletion fields", customer_id=data.get("id"))
        return NO_EXTRAS
    return extras.model_dump_json()[1:-1]


def _blockers_extras(name: str, data: Any) -> str | None:
    """Stored beside the orders and access sections kept whole: what they say against a deletion
    (JSON). A listed section's rows say it themselves (``StoredItem.blocks``)."""
    found = deletion_blockers(name, data)
    return orjson.dumps(found).decode() if found else None


def _extras_fields(extras: str) -> dict[str, Any]:
    """The profile's deletion fields, stored as the members of a JSON object (``profile_extras``)."""
    fields: dict[str, Any] = orjson.loads("{" + extras + "}")
    return fields


def deletion_reasons(extras: str | None) -> frozenset[str]:
    """The reasons against deletion in a stored profile's ``extras``."""
    if not extras:
        return frozenset()
    reasons = _extras_fields(extras).get("not_deletable_reasons")
    return frozenset(reasons) if isinstance(reasons, list) else frozenset()


def with_blockers(extras: str | None, blockers: Sequence[str]) -> str | None:
    """The profile's deletion fields (``extras``) with the orders' and access' blockers applied."""
    if extras is None or not blockers:
        return extras
    deletion = blocked(_extras_fields(extras), blockers)
    return orjson.dumps(deletion).decode()[1:-1]


def assemble_page(customer_id: uuid.UUID, bodies: dict[str, str], extras: str | None) -> bytes:
    """The page's bytes (``CustomerDetails``' fields, in order) from the sections' stored JSON."""
    parts = ['{"customer_id":"', str(customer_id), '"']
    for name in SECTIONS:
        parts += [',"', name, '":', bodies[name]]
    parts += [",", extras or NO_EXTRAS, "}"]
    return "".join(parts).encode()


async def read_section(services: ServiceSet, customer_id: uuid.UUID, name: str, timeout_seconds: float) -> Read:
    """One section, from the same internal path as the live page. A 404 is an answer (stored:
    ``available: false``, ``reason: "not_found"``); no answer or any other status is a failure."""
    client, path = section_sources(services, customer_id)[name]
    as_of = now_utc()
    try:
        reply = await client.call("GET", path, timeout_seconds=timeout_seconds)
    except ServiceUnavailable as exc:
        return Read(customer_id, name, failure=exc.reason)
    if reply.status_code == 404:
        body = section_body(client.name, None, "not_found", as_of)
        return Read(customer_id, name, store.StoredSection(customer_id, name, body, None, as_of))
    if reply.status_code != 200:
        log.warning("customer view section failed", service=client.name, path=path, status=reply.status_code)
        return Read(customer_id, name, failure=f"answered {reply.status_code}")
    try:
        data = orjson.loads(reply.content)
    except orjson.JSONDecodeError:
        return Read(customer_id, name, failure="answered no JSON")
    return _answered(client.name, customer_id, name, data, as_of)


def _answered(service: str, customer_id: uuid.UUID, name: str, data: Any, as_of: datetime) -> Read:
    """A section as its service answered it (``data``), as stored: a list as its rows."""
    if (rows := listed(name, data)) is not None:
        return Read(customer_id, name, _listed_section(customer_id, name, rows.rows, rows.total, as_of))
    extras = profile_extras(data) if name == PROFILE else _blockers_extras(name, data)
    body = section_body(service, orjson.dumps(data), None, as_of)
    return Read(customer_id, name, store.StoredSection(customer_id, name, body, extras, as_of))


def _listed_section(
    customer_id: uuid.UUID,
    name: str,
    rows: Sequence[Row],
    total: int,
    as_of: datetime,
    *,
    placed: tuple[HeldPage, Placement] | None = None,
) -> store.StoredSection:
    """A listed section as stored: the JSON around its rows, and the rows: all of them (a read of
    the whole list), or those ``placed`` into a held page. Joined, it is ``section_body`` of
    ``{"items": rows, "total": total}``."""
    items = tuple(store.StoredItem(r.rank.id, r.rank.at, orjson.dumps(r.data).decode(), r.blocks) for r in rows)
    if placed is None:
        held, oldest = len(rows), rows[-1].rank if rows else None
    else:
        held, oldest = placed[0].held + placed[1].added, placed[1].oldest
    head, tail = list_head(SECTION_SERVICE[name]), list_tail(total, as_of)
    whole = placed is None
    return store.StoredSection(
        customer_id, name, head, None, as_of, tail, total, items, replaces_items=whole, held=held, oldest=oldest
    )


def list_head(service: str) -> str:
    """A listed section's JSON before its rows (``section_body``'s, of a list)."""
    return '{"available":true,"service":' + orjson.dumps(service).decode() + ',"data":{"items":['


def list_tail(total: int, as_of: datetime) -> str:
    """A listed section's JSON after its rows."""
    return '],"total":' + str(total) + '},"reason":null,"as_of":' + _as_of_json(as_of).decode() + "}"


async def read_sections(
    services: ServiceSet, pairs: Iterable[Pair], *, timeout_seconds: float, concurrency: int
) -> list[Read]:
    """Every pair read, at most ``concurrency`` calls at a time; a section its service answers for
    many customers at once (``many_sources``) is read so wherever more than one customer needs it."""
    gate = asyncio.Semaphore(concurrency)
    wanted = sorted(set(pairs), key=lambda p: (str(p[0]), p[1]))
    batched = {name for name in many_sources(services) if sum(n == name for _, n in wanted) > 1}
    alone = [p for p in wanted if p[1] not in batched]
    together = [
        (name, chunk)
        for name in sorted(batched)
        for chunk in _chunks([c for c, n in wanted if n == name], ROWS_PER_READ)
    ]

    async def one(pair: Pair) -> list[Read]:
        async with gate:
            return [await read_section(services, pair[0], pair[1], timeout_seconds)]

    async def many(name: str, customers: list[uuid.UUID]) -> list[Read]:
        async with gate:
            return await read_section_of_many(services, customers, name, timeout_seconds)

    calls = [one(p) for p in alone] + [many(name, customers) for name, customers in together]
    return [read for reads in await asyncio.gather(*calls) for read in reads]


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def read_section_of_many(
    services: ServiceSet, customer_ids: Sequence[uuid.UUID], name: str, timeout_seconds: float
) -> list[Read]:
    """Section ``name`` of each customer, in one call; each stored as ``read_section`` stores it.
    Any failure fails every customer's read (each is queued for a retry)."""
    client, path = many_sources(services)[name]
    as_of = now_utc()
    query = urlencode([("customer_id", str(c)) for c in customer_ids])
    try:
        reply = await client.call("GET", f"{path}?{query}", timeout_seconds=timeout_seconds)
    except ServiceUnavailable as exc:
        return [Read(c, name, failure=exc.reason) for c in customer_ids]
    try:
        answered = orjson.loads(reply.content)["items"] if reply.status_code == 200 else None
    except (orjson.JSONDecodeError, KeyError, TypeError):
        answered = None
    if not isinstance(answered, list) or len(answered) != len(customer_ids):
        log.warning("customer view sections failed", service=client.name, path=path, status=reply.status_code)
        return [Read(c, name, failure=f"answered {reply.status_code}") for c in customer_ids]
    return [_answered(client.name, c, name, data, as_of) for c, data in zip(customer_ids, answered, strict=True)]


ROWS_PER_READ = MAX_IDS_PER_READ
"""Ids per read of rows (or sections) by id: the services' limit."""


async def read_rows(
    services: ServiceSet, name: str, ids: Iterable[object], timeout_seconds: float
) -> dict[uuid.UUID, list[Any]] | str:
    """The rows of section ``name`` with these ids, whoever holds them, by customer, as their
    service lists them; or why they could not be read."""
    client, path = row_sources(services)[name]
    ordered = sorted({str(i) for i in ids})
    found: dict[uuid.UUID, list[Any]] = {}
    for chunk in _chunks(ordered, ROWS_PER_READ):
        query = urlencode([(ROW_ID[name], i) for i in chunk])
        try:
            reply = await client.call("GET", f"{path}?{query}", timeout_seconds=timeout_seconds)
        except ServiceUnavailable as exc:
            return exc.reason
        if reply.status_code != 200:
            log.warning("customer view rows failed", service=client.name, path=path, status=reply.status_code)
            return f"answered {reply.status_code}"
        try:
            for row in orjson.loads(reply.content)["items"]:
                found.setdefault(uuid.UUID(row["customer_id"]), []).append(row)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return "answered no list of rows with their customers"
    return found


def taken_in(
    pair: Pair, page: HeldPage, fresh: Sequence[Any], named: Mapping[object, bool], as_of: datetime
) -> Read | None:
    """The held ``page`` with ``fresh``, the customer's rows just read of those ``named``, placed;
    None when they cannot be: the section is to be read whole."""
    customer_id, name = pair
    placed = place(name, page, fresh, named)
    if placed is None:
        return None
    total = page.total + placed.added
    return Read(customer_id, name, _listed_section(customer_id, name, placed.rows, total, as_of, placed=(page, placed)))


def _joined(section: store.StoredSection) -> str:
    """A section read whole, as the page shows it (a listed one's rows joined in)."""
    if section.tail is None:
        return section.body
    return section.body + ",".join(i.body for i in section.items) + section.tail


def _retry_delay(config: ViewConfig, attempts: int) -> timedelta:
    return timedelta(seconds=min(config.retry_base_seconds * 2 ** min(attempts, 16), config.retry_max_seconds))


def _failures(reads: Sequence[Read]) -> list[Read]:
    return [r for r in reads if r.section is None]


async def _store(db: store.Executor, reads: Sequence[Read], config: ViewConfig, at: datetime) -> None:
    """The reads that answered are stored; the failed ones queued for a retry."""
    await store.upsert(db, [r.section for r in reads if r.section is not None])
    failed = _failures(reads)
    for reason in sorted({r.failure or "" for r in failed}):
        pairs = [r.pair for r in failed if (r.failure or "") == reason]
        await store.queue(db, pairs, at + _retry_delay(config, 0), reason)


class CustomerViews:
    """The view's use cases, with what they need: the database, the services, the settings."""

    def __init__(
        self,
        engine: AsyncEngine,
        services: ServiceSet,
        units_of_work: Callable[[], GatewayUnitOfWork],
        config: ViewConfig,
        *,
        reader: AsyncEngine | None = None,
    ) -> None:
        """``reader``: where the page's SELECT runs, an engine made with ``autocommit=True`` (a pool
        of its own, so the consumers' batches, which hold a connection while they read the
        services, never make a page wait). Without one, ``engine``'s pool, switched to autocommit
        per checkout."""
        self._engine = engine
        # The page's one SELECT runs outside a transaction: no BEGIN/ROLLBACK round trips. A reader
        # made in autocommit is not switched on every checkout and back on return, which cost
        # as much CPU as the SELECT itself.
        self._reader = reader if reader is not None else engine.execution_options(isolation_level="AUTOCOMMIT")
        self._services = services
        self._units_of_work = units_of_work
        self.config = config
        self._throttle: ReadThrottle[Pair] = ReadThrottle(config.throttle_seconds)

    async def _read(self, pairs: Iterable[Pair]) -> list[Read]:
        reads = await read_sections(
            self._services, pairs, timeout_seconds=self.config.timeout_seconds, concurrency=self.config.concurrency
        )
        self._throttle.read(r.pair for r in reads if r.section is not None)
        return reads

    # -- the page ----------------------------------------------------------------------------

    async def page(self, customer_id: uuid.UUID) -> bytes:
        """The customer's page as JSON bytes: one indexed read; a section missing from the view
        is read live (and stored). Raises ``CustomerNotFound``."""
        async with self._reader.connect() as conn:
            rows = await store.read(conn, customer_id)
        bodies: dict[str, str] = {}
        extras: dict[str, str | None] = {}
        blockers: list[str] = []
        for name, body, stored_extras, blocks in rows:
            bodies[name] = body
            extras[name] = stored_extras
            if name == PROFILE and stored_extras is None:  # customer-account answered 404
                raise CustomerNotFound()
            if blocks:
                blockers.append(BLOCKERS[name])
        if len(bodies) < len(SECTIONS):
            await self._fill(customer_id, bodies, extras, blockers)
        for name in BLOCKERS:  # a list kept whole (not as rows) says it in its extras
            blockers += orjson.loads(extras.get(name) or "[]")
        return assemble_page(customer_id, bodies, with_blockers(extras.get(PROFILE), sorted(set(blockers))))

    async def _fill(
        self, customer_id: uuid.UUID, bodies: dict[str, str], extras: dict[str, str | None], blockers: list[str]
    ) -> None:
        """Read the missing sections live (as the admin asking), store what answered."""
        reads = await self._read((customer_id, name) for name in SECTIONS if name not in bodies)
        if any(r.profile_not_found for r in reads):
            raise CustomerNotFound()
        for r in reads:
            if r.section is not None:
                bodies[r.name] = _joined(r.section)
                extras[r.name] = r.section.extras
                if any(i.blocks for i in r.section.items):
                    blockers.append(BLOCKERS[r.name])
            else:
                bodies[r.name] = section_body(SECTION_SERVICE[r.name], None, r.failure, None)
        async with self._engine.begin() as conn:
            await _store(conn, reads, self.config, now_utc())

    # -- events --------------------------------------------------------------------------------

    async def apply_events(self, uow: GatewayUnitOfWork, events: Sequence[Noticed]) -> None:
        """One batch of events, in its transaction: forget erased customers, read the sections the
        events changed (or just the rows they name), store them; failures, dependents' second reads
        and the reads the throttle defers are queued (with the batch's offsets: none is lost if the
        gateway stops)."""
        act_as_admin(VIEW_ACTOR)
        changes = changes_of(events)
        at = now_utc()
        if changes.forget:
            await store.forget(uow.session, [uuid.UUID(str(c)) for c in changes.forget], at)
        taken, whole = await self._take_in(uow.session, changes.rows)
        now, deferred = self._throttle.split([*((uuid.UUID(str(c)), s) for c, s in changes.now), *whole])
        reads = taken + await self._read(now)
        await _store(uow.session, reads, self.config, at)
        await store.queue(uow.session, deferred, at + timedelta(seconds=self.config.throttle_seconds))
        later = {(uuid.UUID(str(c)), s) for c, s in changes.later} | await self._unsettled(uow, changes.later_unless)
        await store.queue(uow.session, later, at + timedelta(seconds=self.config.recheck_seconds))

    async def _unsettled(
        self, uow: GatewayUnitOfWork, later_unless: Mapping[tuple[object, str], frozenset[str]]
    ) -> set[Pair]:
        """The dependent profile reads the stored profiles do not settle already (``SETTLED``)."""
        if not later_unless:
            return set()
        stored = await store.profile_extras(uow.session, (uuid.UUID(str(c)) for c, _ in later_unless))
        reasons: dict[object, frozenset[str]] = {c: deletion_reasons(extras) for c, extras in stored.items()}
        return {(uuid.UUID(str(c)), s) for c, s in still_unsettled(later_unless, reasons)}

    async def _take_in(
        self, db: store.Executor, rows: Mapping[tuple[object, str], Mapping[object, bool]]
    ) -> tuple[list[Read], list[Pair]]:
        """Sections with the rows the events named taken in, and the pairs to read whole instead
        (none stored, or the rows do not fit). The stored sections are locked meanwhile (a read of
        a whole section waits)."""
        named = {(uuid.UUID(str(c)), s): ids for (c, s), ids in rows.items()}
        pages = await store.pages_for_update(db, named)
        held = {p: ids for p, ids in named.items() if pages.get(p) is not None}
        as_of = now_utc()
        fresh = await self._read_named_rows(held)
        reads: list[Read] = []
        whole = [p for p in named if p not in held]
        for pair, ids in held.items():
            answer, page = fresh[pair[1]], pages[pair]
            if isinstance(answer, str):
                reads.append(Read(pair[0], pair[1], failure=answer))
            elif page is not None and (read := taken_in(pair, page, answer.get(pair[0], []), ids, as_of)) is not None:
                reads.append(read)
            else:
                whole.append(pair)
        self._throttle.read(r.pair for r in reads if r.section is not None)
        return reads, whole

    async def _read_named_rows(
        self, held: Mapping[Pair, Mapping[object, bool]]
    ) -> dict[str, dict[uuid.UUID, list[Any]] | str]:
        """Section -> the rows named in any of its ``held`` pairs, by customer (one call for every
        customer), or why they could not be read."""
        named: dict[str, list[object]] = {}
        for (_, name), ids in held.items():
            named.setdefault(name, []).extend(ids)
        # Each section's ids are gathered before the reads start: a lazy generator per section
        # would see only the last section's name once ``gather`` runs it (an access change, which
        # names a row of each section, asked for its access row by the order's id).
        sections = sorted(named)
        answers = await asyncio.gather(
            *(read_rows(self._services, name, named[name], self.config.timeout_seconds) for name in sections)
        )
        return dict(zip(sections, answers, strict=True))

    async def refresh(self, customer_id: uuid.UUID, others: Sequence[uuid.UUID] = ()) -> None:
        """Every section of the customer read again now, and the profile of ``others`` (after an
        admin's write through the gateway)."""
        act_as_admin(VIEW_ACTOR)
        pairs = [(customer_id, name) for name in SECTIONS] + [(other, PROFILE) for other in others]
        reads = await self._read(pairs)
        async with self._engine.begin() as conn:
            await _store(conn, reads, self.config, now_utc())

    # -- pending reads ---------------------------------------------------------------------------

    async def retry_pending(self) -> int:
        """Read the due pending sections again (``trainyard_common.periodic``), ``retry_batch`` at a
        time until none is due; how many were due."""
        act_as_admin(VIEW_ACTOR)
        total = 0
        while (leased := await self._retry_due()) == self.config.retry_batch:
            total += leased
        return total + leased

    async def _retry_due(self) -> int:
        at = now_utc()
        lease_until = at + timedelta(seconds=self.config.lease_seconds)
        async with self._units_of_work() as uow:
            await store.sweep_forgotten(uow.session)
            leased = await store.lease(uow.session, at, lease_until, self.config.retry_batch)
            await uow.commit()
        if not leased:
            return 0
        attempts = {(p.customer_id, p.section): p.attempts for p in leased}
        reads = await self._read(attempts)
        async with self._units_of_work() as uow:
            await store.upsert(uow.session, [r.section for r in reads if r.section is not None])
            await store.done(uow.session, [r.pair for r in reads if r.section is not None], lease_until)
            now = now_utc()
            failures = [
                (r.pair, r.failure or "", now + _retry_delay(self.config, attempts[r.pair] + 1))
                for r in _failures(reads)
            ]
            await store.failed(uow.session, failures, lease_until)
            await uow.commit()
        return len(leased)

    # -- rebuild ---------------------------------------------------------------------------------

    async def rebuild(self, page_size: int = 200) -> int:
        """Every customer customer-account lists, every section read and stored; how many customers."""
        act_as_admin(VIEW_ACTOR)
        offset = total = 0
        while True:
            reply = await self._services.customer_account.call(
                "GET", f"/v1/customers?limit={page_size}&offset={offset}", timeout_seconds=30.0
            )
            if reply.status_code != 200:
                raise ServiceUnavailable("customer-account", f"answered {reply.status_code}")
            items = orjson.loads(reply.content)["items"]
            if not items:
                return total
            ids = [uuid.UUID(item["id"]) for item in items]
            reads = await self._read((c, s) for c in ids for s in SECTIONS)
            async with self._units_of_work() as uow:
                await _store(uow.session, reads, self.config, now_utc())
                await uow.commit()
            total += len(ids)
            offset += len(items)
            log.info("customer views rebuilt", customers=total)
