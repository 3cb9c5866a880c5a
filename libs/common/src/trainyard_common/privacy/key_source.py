"""Where a consuming service gets customer keys: customer-account's batch lookup, behind the cache.

``RemoteCustomerKeys`` asks customer-account (``POST /v1/customer-keys/lookup``, signed as the
consuming service: ``trainyard_common.http.service_client``) once per batch for every key it does
not hold, keeps them in ``CustomerKeys`` (``TRAINYARD_CUSTOMER_KEY_CACHE_SECONDS``, default 5
minutes; a destroyed key is remembered and never asked for again), and answers
``keys_for(ids)``: each id's key, or None when it was destroyed (the customer was erased).

An outage or an unexpected answer raises ``KeysUnavailable``, an id customer-account does not
know ``UnknownCustomers``: the consumer's batch fails and is retried like any other failure.
Not imported by ``trainyard_common.privacy`` (which stays free of HTTP and pydantic).
"""

from __future__ import annotations

import base64
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable

import httpx
import orjson
from pydantic import ValidationError

from trainyard_common.api.customers import MAX_KEY_LOOKUP, CustomerKeyLookupAnswer
from trainyard_common.http.service_client import service_client
from trainyard_common.privacy.keyring import NOT_HELD, CustomerKeys
from trainyard_common.settings import ServiceSettings

LOOKUP_PATH = "/v1/customer-keys/lookup"
_JSON = {"content-type": "application/json"}


class KeysUnavailable(Exception):
    """customer-account could not be asked, or gave no usable answer (retry later)."""


class UnknownCustomers(LookupError):
    """customer-account knows none of these customers."""

    def __init__(self, customer_ids: list[uuid.UUID]) -> None:
        super().__init__(f"unknown customers: {', '.join(map(str, customer_ids))}")
        self.customer_ids = customer_ids


class RemoteCustomerKeys:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        ttl_seconds: float = 300.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``client``: customer-account's, signing as the consuming service (``of`` makes one)."""
        self._client = client
        self.cache = CustomerKeys(self._fetch, ttl_seconds=ttl_seconds, max_entries=max_entries, clock=clock)
        self.lookups = 0
        """Calls made to customer-account (for tests and metrics)."""

    @classmethod
    @contextlib.asynccontextmanager
    async def of(cls, settings: ServiceSettings, *, service: str) -> AsyncIterator[RemoteCustomerKeys]:
        """The keys as ``service`` gets them, with the settings' URL, shared key and cache lifetime."""
        async with service_client(
            settings.customer_account_url,
            service=service,
            key=settings.service_keys[0],
            ttl_seconds=settings.service_token_ttl_seconds,
        ) as client:
            yield cls(client, ttl_seconds=settings.customer_key_cache_seconds)

    async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bytes | None]:
        """Each customer's key, None when destroyed; one lookup for all those not cached (per 1,000).
        Ids are matched by their integer (``uuid.UUID.__hash__`` is Python code, see ``CustomerKeys``)."""
        found: dict[uuid.UUID, bytes | None] = {}
        missing: dict[int, uuid.UUID] = {}
        for customer_id in customer_ids:
            held = self.cache.held(customer_id)
            if held is NOT_HELD:
                missing[customer_id.int] = customer_id
            else:
                found[customer_id] = held
        asked = list(missing.values())
        for start in range(0, len(asked), MAX_KEY_LOOKUP):
            chunk = asked[start : start + MAX_KEY_LOOKUP]
            answered = await self._lookup(chunk)
            for customer_id in chunk:
                found[customer_id] = self.cache.remember(customer_id, answered[customer_id.int])
        return found

    async def get(self, customer_id: uuid.UUID) -> bytes:
        """One customer's key; ``KeyDestroyed`` when it was destroyed."""
        return await self.cache.get(customer_id)

    def destroyed(self, customer_id: uuid.UUID) -> None:
        """Forget the key now (on ``CustomerErased``)."""
        self.cache.destroyed(customer_id)

    async def _fetch(self, customer_id: uuid.UUID) -> bytes | None:
        return (await self._lookup([customer_id]))[customer_id.int]

    async def _lookup(self, customer_ids: list[uuid.UUID]) -> dict[int, bytes | None]:
        """Each id's key (None: destroyed), by the id's integer."""
        self.lookups += 1
        try:
            # orjson writes the ids in C (``str(uuid)`` is Python code, ~2 µs an id)
            body = orjson.dumps({"customer_ids": customer_ids})
            reply = await self._client.post(LOOKUP_PATH, content=body, headers=_JSON)
        except httpx.HTTPError as exc:
            raise KeysUnavailable(f"customer-account unreachable: {exc!r}") from exc
        if reply.status_code != 200:
            raise KeysUnavailable(f"customer-account answered {reply.status_code} to the key lookup")
        try:
            answer = CustomerKeyLookupAnswer.model_validate_json(reply.content)
        except ValidationError as exc:
            raise KeysUnavailable("customer-account's key lookup answer is malformed") from exc
        if answer.unknown:
            raise UnknownCustomers(answer.unknown)
        keys: dict[int, bytes | None] = {i.int: _decode(key) for i, key in answer.keys.items()}
        keys.update(dict.fromkeys(i.int for i in answer.destroyed))
        if any(i.int not in keys for i in customer_ids):
            raise KeysUnavailable("customer-account's key lookup left ids out")
        return keys


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
