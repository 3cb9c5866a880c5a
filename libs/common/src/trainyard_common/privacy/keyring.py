"""The consumers' cache of customer keys (``CustomerKeys``): the fetch is injected (an HTTP call
to customer-account's ``GET /v1/customer-keys/{id}``); a key is kept ``ttl_seconds``, at most
``max_entries`` keys (least recently used out first); a destroyed key is remembered as destroyed
(it never comes back) and raises ``KeyDestroyed``."""

from __future__ import annotations

import enum
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable


class KeyDestroyed(Exception):
    """The customer was erased: their key is gone, their sealed fields unreadable."""

    def __init__(self, customer_id: uuid.UUID) -> None:
        super().__init__(f"the key of customer {customer_id} was destroyed")
        self.customer_id = customer_id


class NotHeld(enum.Enum):
    """A marker apart from every key and from ``None`` (destroyed)."""

    NOT_HELD = "not held"


NOT_HELD = NotHeld.NOT_HELD
"""``CustomerKeys.held``: the key is not in the cache (or too old): ``get`` would fetch it."""

Fetch = Callable[[uuid.UUID], Awaitable[bytes | None]]
"""The key of a customer; ``None``: destroyed (the owner answered 410). Unknown customers and
outages raise (the caller retries)."""


class CustomerKeys:
    def __init__(
        self,
        fetch: Fetch,
        *,
        ttl_seconds: float = 300.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl_seconds <= 0:
            raise ValueError("max_entries >= 1 and ttl_seconds > 0")
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        # Keyed by the id's integer: ``uuid.UUID.__hash__`` is Python code (~0.6 µs), and a batch of
        # hundreds of keys hashed each id about ten times on its way through (a tenth of a consumer's
        # cost of opening a registration).
        self._keys: OrderedDict[int, tuple[bytes, float]] = OrderedDict()
        self._destroyed: OrderedDict[int, None] = OrderedDict()

    async def get(self, customer_id: uuid.UUID) -> bytes:
        number = customer_id.int
        if number in self._destroyed:
            raise KeyDestroyed(customer_id)
        cached = self._keys.get(number)
        at = self._clock()
        if cached is not None and at - cached[1] < self._ttl:
            self._keys.move_to_end(number)
            return cached[0]
        key = self.remember(customer_id, await self._fetch(customer_id), at=at)
        if key is None:
            raise KeyDestroyed(customer_id)
        return key

    def remember(self, customer_id: uuid.UUID, key: bytes | None, *, at: float | None = None) -> bytes | None:
        """Keep what the owner answered for this customer (fetched in a batch of many): the key,
        or ``None`` (destroyed, remembered as such); returns it. A key destroyed meanwhile stays so."""
        number = customer_id.int
        if key is None or number in self._destroyed:
            self.destroyed(customer_id)
            return None
        self._keys[number] = (key, self._clock() if at is None else at)
        self._keys.move_to_end(number)
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)
        return key

    def known(self, customer_id: uuid.UUID) -> bool:
        """``get`` would answer without fetching: a current key, or destroyed."""
        return self.held(customer_id) is not NOT_HELD

    def held(self, customer_id: uuid.UUID) -> bytes | NotHeld | None:
        """What ``get`` answers without fetching, at once (no await per key of a batch): the current
        key, ``None`` when destroyed, ``NOT_HELD`` when it would have to fetch."""
        number = customer_id.int
        if number in self._destroyed:
            return None
        cached = self._keys.get(number)
        if cached is None or self._clock() - cached[1] >= self._ttl:
            return NOT_HELD
        self._keys.move_to_end(number)
        return cached[0]

    def destroyed(self, customer_id: uuid.UUID) -> None:
        """Forget the key now (on ``CustomerErased``, before the TTL would)."""
        number = customer_id.int
        self._keys.pop(number, None)
        self._destroyed[number] = None
        while len(self._destroyed) > self._max:
            self._destroyed.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)
