"""The customer view's rules: which event refreshes which section of a customer's page.

The gateway keeps one view per customer (``service_layer/customer_views.py``): each section is
the answer of one service's internal API, read back when an event says it changed ("event
notification, then read back"). An event names what changed in the service that published it
(``direct``: read at once, the publisher has committed it) and, sometimes, what another service
changes on hearing it without publishing anything (``dependent``: read a moment later, by then
that service has usually applied it; read at once, it nearly always answered as before, a wasted
call to that service on every order). Erasure and deletion forget the
customer's view for good. Plain rules: event types are named by their contract's class name.

The order history and the access list are long for a customer who buys often, and each order
changed one or two of their rows: an event that names its order or access row has just those rows
read and placed into the stored page (``ROWS_NAMED``, ``place``), not the whole list again. The
view keeps such a page as one row per listed row (``listed``), so an order costs the same to take
in whatever the learner's history: rewriting the stored list whole made every order of a busy
learner rewrite ~40 kB of JSON, the gateway database's largest cost under checkout load.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

PROFILE, CLIENT, ORDERS, ACCESS, TRANSCRIPT = "profile", "client", "orders", "access", "transcript"
SECTIONS: tuple[str, ...] = (PROFILE, CLIENT, ORDERS, ACCESS, TRANSCRIPT)
"""In the page's order."""

SECTION_SERVICE = {
    PROFILE: "customer-account",
    CLIENT: "client-directory",
    ORDERS: "commerce-access",
    ACCESS: "commerce-access",
    TRANSCRIPT: "training-progress",
}

FORGETTING = frozenset({"CustomerErased", "CustomerDeleted"})
"""The customer's view is deleted (it holds e-mail and names) and never written again."""


@dataclass(frozen=True, slots=True)
class Refresh:
    direct: frozenset[str] = frozenset()
    dependent: frozenset[str] = frozenset()


def _refresh(direct: Iterable[str] = (), dependent: Iterable[str] = ()) -> Refresh:
    return Refresh(frozenset(direct), frozenset(dependent))


_EVERYTHING_ELSE = (CLIENT, ORDERS, ACCESS, TRANSCRIPT)

HAS_ORDERS, HAS_ACCESS = "has_orders", "has_access"
"""The reasons ``not_deletable_reasons`` gives, in this order."""

RULES: dict[str, Refresh] = {
    # customer-account: the profile. A new customer is heard by every service (client mapping,
    # the customer projections): the whole page is read, the other sections as dependents.
    "UserRegistered": _refresh([PROFILE], _EVERYTHING_ELSE),
    "CustomerImported": _refresh([PROFILE], _EVERYTHING_ELSE),
    "CustomerProfileUpdated": _refresh([PROFILE]),
    "CustomerStatusChanged": _refresh([PROFILE]),
    "CustomerGroupsChanged": _refresh([PROFILE]),
    "CustomerDeletionRequested": _refresh([PROFILE]),
    # client-directory: the client; customer-account keeps the learner's client too.
    "LearnerAssignedToClient": _refresh([CLIENT], [PROFILE]),
    "LearnerRemovedFromClient": _refresh([CLIENT], [PROFILE]),
    # commerce-access: orders and access; customer-account derives `deletable` (and the deletion's
    # outcome) from them, training-progress the transcript's items and expiry. Every access row is
    # announced (AccessGranted, in the order's transaction when an order grants it), so an order
    # alone leaves the access section as it was; but each order in the history shows its own access
    # rows, so a change to one (dates, revocation, expiry) is read into the orders section too.
    "OrderCompleted": _refresh([ORDERS], [PROFILE]),
    "ImportRowOrderSettled": _refresh([ORDERS], [PROFILE]),
    "AccessGranted": _refresh([ACCESS], [PROFILE, TRANSCRIPT]),
    "AccessChanged": _refresh([ACCESS, ORDERS], [PROFILE, TRANSCRIPT]),
    "AccessRevoked": _refresh([ACCESS, ORDERS], [PROFILE, TRANSCRIPT]),
    "AccessExpired": _refresh([ACCESS, ORDERS], [PROFILE, TRANSCRIPT]),
    "CustomerDeletionDecided": _refresh([], [PROFILE]),
    # training-progress: the transcript.
    "ProgressRecorded": _refresh([TRANSCRIPT]),
    "TrainingCompleted": _refresh([TRANSCRIPT]),
    "ProgressDeleted": _refresh([TRANSCRIPT]),
}
"""Event type -> the sections it refreshes. Every event here carries a ``customer_id``."""

SETTLED: dict[str, str] = {
    "OrderCompleted": HAS_ORDERS,
    "ImportRowOrderSettled": HAS_ORDERS,
    "AccessGranted": HAS_ACCESS,
}
"""Event type -> all its dependent profile read can find changed: customer-account's reason against
deleting the customer (an order, live access). A stored profile that gives it already needs no read
(a learner's every order after the first). A change that may end access reads it always."""

WATCHED: tuple[str, ...] = (*RULES, *sorted(FORGETTING))
"""Every event type the view follows."""


class Noticed(NamedTuple):
    """One event as the view sees it: its type, its customer, and the rows it names, if any."""

    event_type: str
    customer_id: object
    order_id: object | None = None
    access_id: object | None = None


ROW_ID = {ORDERS: "order_id", ACCESS: "access_id"}
"""The field that names one row of the section: in the events, and in the service's filter."""

ROWS_NAMED: dict[str, dict[str, bool]] = {
    "OrderCompleted": {ORDERS: True},
    "AccessGranted": {ACCESS: True},
    **{changed: {ACCESS: False, ORDERS: False} for changed in ("AccessChanged", "AccessRevoked", "AccessExpired")},
}
"""Event type -> the sections of its ``RULES`` entry refreshed by the rows it names (section -> the
event may announce the row, an order or a grant, rather than change one already listed). An
order's access rows show in the history under their order. A row granted through someone else's
registration code names that purchaser's order, which this customer's history does not list:
reading it finds nothing, and nothing changes."""

Pair = tuple[object, str]


@dataclass(frozen=True, slots=True)
class Changes:
    """What one batch of events does to the view."""

    forget: frozenset[object]
    """Customers whose view goes (erased or deleted)."""
    now: frozenset[Pair]
    """(customer, section) pairs read at once."""
    later: frozenset[Pair]
    """Dependent pairs, read a moment later."""
    later_unless: Mapping[Pair, frozenset[str]]
    """Dependent profile reads needed only if the stored profile lacks one of these reasons against
    deletion (``SETTLED``); a pair in ``later`` is not here."""
    rows: Mapping[Pair, Mapping[object, bool]]
    """(customer, section) -> the rows to read and take in (row id -> it may be new). A pair read
    whole (``now``) is not here."""


def changes_of(events: Iterable[tuple[Any, ...]]) -> Changes:
    """``events``: ``Noticed`` (or its first fields) in order. Pairs of forgotten customers are dropped."""
    forget: set[object] = set()
    now: set[Pair] = set()
    later: set[Pair] = set()
    later_unless: dict[Pair, set[str]] = {}
    rows: dict[Pair, dict[object, bool]] = {}
    for event in events:
        noticed = Noticed(*event)
        customer_id = noticed.customer_id
        if noticed.event_type in FORGETTING:
            forget.add(customer_id)
            continue
        rule = RULES.get(noticed.event_type)
        if rule is None:
            continue
        named = ROWS_NAMED.get(noticed.event_type, {})
        for section in rule.direct:
            row_id = getattr(noticed, ROW_ID[section]) if section in named else None
            if row_id is None:
                now.add((customer_id, section))
                continue
            taken = rows.setdefault((customer_id, section), {})
            taken[row_id] = taken.get(row_id, False) or named[section]
        for section in rule.dependent:
            settled = SETTLED.get(noticed.event_type) if section == PROFILE else None
            if settled is None:
                later.add((customer_id, section))
            else:
                later_unless.setdefault((customer_id, section), set()).add(settled)
    return Changes(
        frozenset(forget),
        frozenset(p for p in now if p[0] not in forget),
        frozenset(p for p in later if p[0] not in forget),
        {p: frozenset(r) for p, r in later_unless.items() if p[0] not in forget and p not in later},
        {p: ids for p, ids in rows.items() if p[0] not in forget and p not in now},
    )


def still_unsettled(
    later_unless: Mapping[Pair, frozenset[str]], stored_reasons: Mapping[object, frozenset[str]]
) -> set[Pair]:
    """The pairs of ``later_unless`` to read: the customer's stored profile (its reasons against
    deletion; none stored: nothing) lacks one of their reasons."""
    return {p for p, reasons in later_unless.items() if not reasons <= stored_reasons.get(p[0], frozenset())}


@dataclass(frozen=True, slots=True)
class Listing:
    """How a service lists a section's items: newest first by ``newest``, then by id; a read holds
    the first ``limit``. The gateway asks for exactly that page (``section_sources``)."""

    newest: str
    limit: int

    def rank(self, item: Mapping[str, Any]) -> Rank:
        """Raises KeyError, TypeError or ValueError for a row without its time or its id (a UUID)."""
        return Rank(datetime.fromisoformat(item[self.newest]), str(uuid.UUID(str(item["id"]))))


class Rank(NamedTuple):
    """Where a row is listed: newest ``at`` first, then by ``id``."""

    at: datetime
    id: str

    def before(self, other: Rank) -> bool:
        """Listed before ``other``."""
        return self.at > other.at or (self.at == other.at and self.id < other.id)


LISTINGS = {ORDERS: Listing("completed_at", 50), ACCESS: Listing("granted_at", 100)}
"""commerce-access's order history and access list (``completed_at`` / ``granted_at`` descending,
then id ascending, as its statements order them)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a listed section as its service answered it, with where it is listed."""

    data: Mapping[str, Any]
    rank: Rank
    blocks: bool
    """It is a reason against deleting the customer (``row_blocks``)."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A section's answer as a list: its rows (as listed) and how many the service counts."""

    rows: tuple[Row, ...]
    total: int


def listed(section: str, data: Any) -> Listed | None:
    """``data`` (``{"items": [...], "total": n}``) as rows; None when it is no such list (other
    fields, a row without its id or time): then the section is kept whole, as answered."""
    if section not in LISTINGS or not isinstance(data, dict) or set(data) != {"items", "total"}:
        return None
    items, total = data["items"], data["total"]
    if not isinstance(items, list) or not isinstance(total, int):
        return None
    rows = [_row(section, item) for item in items]
    return None if any(r is None for r in rows) else Listed(tuple(r for r in rows if r is not None), total)


def _row(section: str, item: Any) -> Row | None:
    try:
        return Row(item, LISTINGS[section].rank(item), row_blocks(section, item))
    except (KeyError, TypeError, ValueError):  # a row without its id or time
        return None


@dataclass(frozen=True, slots=True)
class HeldPage:
    """What the view holds of a listed section: every row of its page as last read whole and every
    row taken in since (``held`` of them, the oldest listed ``oldest``), and the service's count.
    Of the rows named, ``ids`` are held."""

    ids: frozenset[str]
    oldest: Rank | None
    held: int
    total: int

    @property
    def complete(self) -> bool:
        """Every row the service counts is held: a row not held is new, wherever it is listed."""
        return self.held >= self.total


@dataclass(frozen=True, slots=True)
class Placement:
    """Rows to write into a held page (replacing those with their ids), how many are new, and the
    oldest row held then."""

    rows: tuple[Row, ...]
    added: int
    oldest: Rank | None


def place(
    section: str, page: HeldPage, fresh: Sequence[Mapping[str, Any]], named: Mapping[object, bool]
) -> Placement | None:
    """``fresh``, the rows just read of those ``named`` (row id -> it may be new), placed in the
    held ``page``: a held row is replaced; a new one is written and counted. None when that cannot
    be told from what is held (a new row listed after the oldest held, of a list not held whole:
    counted already, or not?): the section is read whole. A named row that is neither held nor new
    changes nothing."""
    may_be_new = {str(row_id) for row_id, new in named.items() if new}
    rows: list[Row] = []
    oldest = page.oldest
    for item in fresh:
        row = _row(section, item)
        if row is None:
            return None
        if row.rank.id in page.ids:
            rows.append(row)
        elif row.rank.id in may_be_new:
            if not page.complete and (page.oldest is None or not row.rank.before(page.oldest)):
                return None
            rows.append(row)
            oldest = row.rank if oldest is None or oldest.before(row.rank) else oldest
    return Placement(tuple(rows), sum(r.rank.id not in page.ids for r in rows), oldest)


_BLOCKING_ACCESS = frozenset({"active", "upcoming"})
BLOCKERS = {ORDERS: HAS_ORDERS, ACCESS: HAS_ACCESS}
"""A listed section's reason against deleting the customer, given by any row on its page that
blocks (``row_blocks``)."""


def row_blocks(section: str, item: Any) -> bool:
    """Any order blocks a deletion; an access row while it is live (active or upcoming)."""
    if section == ORDERS:
        return True
    return section == ACCESS and isinstance(item, dict) and item.get("status") in _BLOCKING_ACCESS


def deletion_blockers(section: str, data: Any) -> list[str]:
    """What commerce-access's own orders and access (the page's sections) say against deleting
    the customer. The profile's ``deletable`` is customer-account's copy, which hears of an order
    a moment after it is made; the page shows the owner's answer as soon as it has read it."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or section not in BLOCKERS:
        return []
    return [BLOCKERS[section]] if any(row_blocks(section, i) for i in items) else []


def blocked(deletion: dict[str, Any], blockers: Sequence[str]) -> dict[str, Any]:
    """The page's deletion fields with ``blockers`` added: not deletable, for those reasons too.
    Fields of an unavailable profile (``deletable`` null) stay as they are."""
    if not blockers or deletion.get("deletable") is None:
        return deletion
    reasons = set(deletion.get("not_deletable_reasons") or ()) | set(blockers)
    ordered = [r for r in (HAS_ORDERS, HAS_ACCESS) if r in reasons] + sorted(reasons - {HAS_ORDERS, HAS_ACCESS})
    return {**deletion, "deletable": False, "not_deletable_reasons": ordered}


_THROTTLE_PRUNE_AT = 10_000  # pairs remembered before those older than the window are dropped


K = TypeVar("K", bound=Hashable)


@dataclass
class ReadThrottle(Generic[K]):
    """Each (customer, section) is read back at once, but at most once per ``window`` seconds: a
    pair read less than ``window`` ago is deferred (``split``), so the events a busy customer sets
    off meanwhile share one read instead of one each. A quiet customer's change is read at once.

    Only an optimisation of this process (a restart forgets it): the deferred reads themselves
    are kept durably by the caller. ``window`` 0 defers nothing."""

    window: float
    clock: Callable[[], float] = time.monotonic
    _last_read: dict[K, float] = field(default_factory=dict)
    _prune_at: int = _THROTTLE_PRUNE_AT

    def split(self, pairs: Iterable[K]) -> tuple[list[K], list[K]]:
        """(read now, deferred by up to ``window``)."""
        now: list[K] = []
        deferred: list[K] = []
        horizon = self.clock() - self.window
        for pair in pairs:
            last = self._last_read.get(pair)
            (deferred if last is not None and last > horizon else now).append(pair)
        return now, deferred

    def read(self, pairs: Iterable[K]) -> None:
        """``pairs`` were just read back."""
        if self.window <= 0:
            return
        at = self.clock()
        for pair in pairs:
            self._last_read[pair] = at
        if len(self._last_read) > self._prune_at:
            horizon = at - self.window
            self._last_read = {p: t for p, t in self._last_read.items() if t > horizon}
            self._prune_at = max(_THROTTLE_PRUNE_AT, 2 * len(self._last_read))
