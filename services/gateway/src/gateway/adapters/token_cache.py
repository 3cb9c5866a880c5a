"""Short-lived, in-process caches of token checks (issue 18, item 2).

Every admin request used to read its token in the gateway's database, and every learner request
to ask customer-account about its session. A check's answer is now kept here for at most
``TRAINYARD_TOKEN_CACHE_SECONDS`` (≤ 1 s, default 1 s) from the moment the lookup started, so a
token revoked, a session ended or a customer locked anywhere is refused within that second,
however it ended. Where this gateway itself ends a session it does not wait for the second:

- admin tokens: the repositories end the cached answers once the revoking transaction commits
  (sign-out, a password changed or reset, an admin disabled, deleted or given another role, an
  integration revoked: ``adapters.repository``);
- learner sessions: the learner gate ends them when the request that ends them (sign-out,
  password change) passes it (``entrypoints.learner_auth``).

An answer in the last 40 % of its life is still given, and its lookup is started again in the
background (refresh ahead): a token in steady use is looked up about once a second without a
request waiting for it. Under checkout load one request in five used to wait for customer-account
(50 learners' tokens at ~270 orders/s); those waits were the slow tail of the latency. The
learner guard's refreshes are gathered for a tenth of a second into one call
(``adapters.session_checks``); the 40 % leave room for that and for a slow answer. What is given
was still looked up less than its lifetime ago; a refresh finding the token no longer live
forgets the answer at once.

Only live answers are kept (an unknown or revoked token is asked about each time), keyed by the
token's SHA-256, never the token. Requests that miss the same key together share one lookup
(``lookup``): a burst of one learner's requests, or every request in flight when an answer
expires, makes one round trip, not one each. A request that comes after an ``end`` does not
join a lookup started before it. Each cache is bounded (``max_entries``: the oldest go first).
An answer is not kept when its key or tag ended after its lookup started: a lookup racing a
revocation cannot put the revoked token back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.domain.admins import Principal

V = TypeVar("V")

MAX_TTL_SECONDS = 1.0  # the longest an answer may be kept (the setting's upper bound)
MAX_ENTRIES = 20_000
REFRESH_AHEAD = 0.6  # the share of its life after which an answer's lookup starts again


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    tag: str | None
    expires: float
    refresh: float
    """From when a request given this answer starts its next lookup."""


class TokenCache(Generic[V]):
    """Answers by token hash, each kept until ``started + ttl`` (``clock``'s seconds)."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_ttl: float = MAX_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_ttl = max_ttl
        self.clock = clock
        self._entries: dict[str, _Entry[V]] = {}
        # key or tag -> until when a lookup started earlier is not kept (oldest first)
        self._ended: dict[str, float] = {}
        self._lookups: dict[str, asyncio.Future[V | None]] = {}  # key -> the lookup under way

    def __len__(self) -> int:
        return len(self._entries)

    def now(self) -> float:
        """When a lookup starts: pass it to ``put``."""
        return self.clock()

    def get(self, key: str) -> V | None:
        entry = self._live(key)
        return None if entry is None else entry.value

    def _live(self, key: str) -> _Entry[V] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self.clock():
            del self._entries[key]
            return None
        return entry

    async def lookup(
        self,
        key: str,
        fetch: Callable[[], Awaitable[tuple[V, str | None] | None]],
        *,
        ttl: float,
        refresh: Callable[[], Awaitable[tuple[V, str | None] | None]] | None = None,
    ) -> V | None:
        """The cached answer for ``key``, else ``fetch``'s (``(value, tag)``, or None: not live),
        kept as ``put`` keeps it. Callers missing the same key meanwhile await the same fetch; one
        that gives up (a client gone) does not cancel it for the others. A cached answer late in
        its life is given at once and looked up again meanwhile (refresh ahead), by ``refresh``
        when given (no request waits on it, so it may take a moment longer)."""
        entry = self._live(key)
        if entry is not None:
            if entry.refresh <= self.clock():
                self._under_way(key, refresh or fetch, ttl)
            return entry.value
        return await asyncio.shield(self._under_way(key, fetch, ttl))

    def _under_way(
        self, key: str, fetch: Callable[[], Awaitable[tuple[V, str | None] | None]], ttl: float
    ) -> asyncio.Future[V | None]:
        under_way = self._lookups.get(key)
        if under_way is None:
            under_way = asyncio.ensure_future(self._fetch_and_keep(key, fetch, ttl))
            self._lookups[key] = under_way
            under_way.add_done_callback(lambda done: self._lookup_done(key, done))
        return under_way

    async def _fetch_and_keep(
        self, key: str, fetch: Callable[[], Awaitable[tuple[V, str | None] | None]], ttl: float
    ) -> V | None:
        started = self.now()
        answer = await fetch()
        if answer is None:
            self._entries.pop(key, None)  # no longer live: an answer kept from before goes too
            return None
        value, tag = answer
        self.put(key, value, ttl=ttl, started=started, tag=tag)
        return value

    def _lookup_done(self, key: str, done: asyncio.Future[V | None]) -> None:
        if self._lookups.get(key) is done:
            del self._lookups[key]
        if not done.cancelled():
            done.exception()  # retrieved here, so one with no caller left is not logged as lost

    def put(self, key: str, value: V, *, ttl: float, started: float, tag: str | None = None) -> None:
        """Keep ``value`` (looked up from ``started`` on) until ``started + ttl``; not kept when
        ``key`` or ``tag`` ended after ``started``."""
        ttl = min(ttl, self.max_ttl)
        now = self.clock()
        expires = started + ttl
        if expires <= now or self._ended_since(f"key:{key}", started):
            return
        if tag is not None and self._ended_since(f"tag:{tag}", started):
            return
        self._entries.pop(key, None)  # re-inserted last: the dict's order is (about) expiry order
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(value, tag, expires, refresh=started + ttl * REFRESH_AHEAD)

    def end(self, *, key: str | None = None, tag: str | None = None, hold: float = 0.0) -> None:
        """Forget the answers for ``key`` and/or ``tag``; a lookup of them started before
        ``now + hold`` is not kept (``hold``: while the call ending them may still be under way)."""
        now = self.clock()
        until = now + hold
        self._lookups.clear()  # a lookup under way started before this end: no one joins it now
        if key is not None:
            self._entries.pop(key, None)
            self._mark(f"key:{key}", until)
        if tag is not None:
            for gone in [k for k, entry in self._entries.items() if entry.tag == tag]:
                del self._entries[gone]
            self._mark(f"tag:{tag}", until)
        self._prune_marks(now)

    def clear(self) -> None:
        self._entries.clear()

    def _ended_since(self, mark: str, started: float) -> bool:
        until = self._ended.get(mark)
        return until is not None and started <= until

    def _mark(self, mark: str, until: float) -> None:
        until = max(until, self._ended.pop(mark, until))
        self._ended[mark] = until

    def _prune_marks(self, now: float) -> None:
        """A mark matters while a lookup it refuses could still be kept: ``max_ttl`` past it."""
        while self._ended:
            oldest = next(iter(self._ended))
            if self._ended[oldest] + self.max_ttl >= now and len(self._ended) <= self.max_entries:
                break
            del self._ended[oldest]


def principal_tag(principal: Principal) -> str:
    """What ends every cached token of the principal's admin (or integration) at once."""
    if principal.integration is not None:
        return integration_tag(principal.integration)
    return admin_tag(principal.admin_id)


def admin_tag(admin_id: object) -> str:
    return f"admin:{admin_id}"


def integration_tag(name: str) -> str:
    return f"integration:{name}"


def customer_tag(customer_id: object) -> str:
    """One spelling of the id (a path may give it in upper case, a session in lower)."""
    try:
        return f"customer:{uuid.UUID(str(customer_id))}"
    except ValueError:
        return f"customer:{customer_id}"


ADMIN_TOKENS: TokenCache[Principal] = TokenCache()
"""Admin and integration tokens: the principal holding each live one."""

LEARNER_SESSIONS: TokenCache[dict[str, Any]] = TokenCache()
"""Learner sessions: customer-account's introspection of each live one."""
