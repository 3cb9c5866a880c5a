"""Reading the sealed version 2 topics in a consumer: one key lookup per batch, each event opened.

A consuming service's batch handler calls ``open_batch(deliveries, keys)``: it asks ``keys`` once for
every customer of the batch (``RemoteCustomerKeys.keys_for``: customer-account's batch lookup, behind
the cache) and answers each delivery with its fields in clear — or ``None`` when the customer's key
was destroyed (the customer was erased or deleted): that event's personal data is skipped.

Failures, as the messaging core (``messaging.delivery``) treats them:

* customer-account unreachable, or its answer unusable (``KeysUnavailable``): re-raised as
  ``TransientError``, so the whole batch is retried without limit and nothing is dead-lettered —
  the messages are fine, the key owner is away;
* an id customer-account does not know (``UnknownCustomers``), or a value that does not open with
  its customer's key (``Unreadable``): the message is to blame and no retry can change that
  (customer-account publishes only after the key is committed) — re-raised as
  ``UnreadableMessage``, the batch is split until it stands alone and that message dead-lettered
  at once (replayable from there). Retrying it would hold the partition up for nothing.

``ServiceCustomerKeys`` is the key source of a running service (``bootstrap``: ``runtime.alongside(
keys.running)``); ``FixedCustomerKeys`` an in-memory one for tests and benchmarks without
customer-account.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from trainyard_common.contracts.customers import CustomerDeleted, CustomerErased, SealedEvent
from trainyard_common.messaging.delivered import Delivered
from trainyard_common.messaging.errors import TransientError, UnreadableMessage
from trainyard_common.privacy.key_source import KeysUnavailable, RemoteCustomerKeys, UnknownCustomers
from trainyard_common.privacy.sealing import Unreadable
from trainyard_common.settings import ServiceSettings

S = TypeVar("S", bound=SealedEvent)


class CustomerKeySource(Protocol):
    async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> Mapping[uuid.UUID, bytes | None]:
        """Each customer's key, None when destroyed; raises ``KeysUnavailable`` when it cannot tell."""
        ...

    def destroyed(self, customer_id: uuid.UUID) -> None:
        """The customer's key is gone (erased or deleted): a cached copy is dropped, never used again."""
        ...


U = TypeVar("U")
Forgetting = TypeVar("Forgetting", CustomerErased, CustomerDeleted)
"""The events after which a customer's key no longer exists."""


def dropping_the_key(
    keys: CustomerKeySource, handle: Callable[[Forgetting, U], Awaitable[None]]
) -> Callable[[Forgetting, U], Awaitable[None]]:
    """A service's ``CustomerErased`` or ``CustomerDeleted`` handler that first drops the customer's
    key from ``keys``. customer-account destroys the key before it publishes either, so from then on
    this service reads none of the customer's sealed fields — not only once its cached copy grows old."""

    @functools.wraps(handle)  # its name and docstring describe the subscription (AsyncAPI)
    async def forgetting(event: Forgetting, uow: U) -> None:
        keys.destroyed(event.customer_id)
        await handle(event, uow)

    return forgetting


async def open_batch(
    deliveries: Sequence[Delivered[S]], keys: CustomerKeySource, personal: Collection[str] | None = None
) -> list[tuple[Delivered[S], dict[str, Any] | None]]:
    """Each delivery with its event's fields in clear, None for an erased customer (one key lookup).
    ``personal``: the personal fields the consumer uses; only those are opened, the others left out."""
    if not deliveries:
        return []
    if isinstance(keys, FieldsInClearForBenchmarks):
        return [(delivered, delivered.event.as_sent(personal)) for delivered in deliveries]
    try:
        owners = [d.event.sealed_for() for d in deliveries]
        found = await keys.keys_for(owners)
    except KeysUnavailable as exc:
        raise TransientError(f"customer keys unavailable: {exc}") from exc
    except UnknownCustomers as exc:
        raise UnreadableMessage(str(exc)) from exc
    opened: list[tuple[Delivered[S], dict[str, Any] | None]] = []
    for delivered, owner in zip(deliveries, owners, strict=True):
        key = found[owner]
        try:
            opened.append((delivered, None if key is None else delivered.event.opened(key, personal)))
        except Unreadable as exc:
            raise UnreadableMessage(str(exc)) from exc
    return opened


class _Runtime(Protocol):
    def alongside(self, work: Callable[[], contextlib.AbstractAsyncContextManager[None]]) -> None: ...


class ServiceCustomerKeys:
    """customer-account's keys as ``service`` gets them, open while the service runs."""

    @classmethod
    def alongside(cls, runtime: _Runtime, settings: ServiceSettings, *, service: str) -> ServiceCustomerKeys:
        """Keys opened with the service (``runtime.alongside``): what a bootstrap wires."""
        keys = cls(settings, service=service)
        runtime.alongside(keys.running)
        return keys

    def __init__(self, settings: ServiceSettings, *, service: str) -> None:
        self._settings = settings
        self._service = service
        self.remote: RemoteCustomerKeys | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with RemoteCustomerKeys.of(self._settings, service=self._service) as remote:
            self.remote = remote
            try:
                yield
            finally:
                self.remote = None

    async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> Mapping[uuid.UUID, bytes | None]:
        if self.remote is None:  # starting or stopping: the batch waits, as for an outage
            raise KeysUnavailable("the customer key source is not running")
        return await self.remote.keys_for(customer_ids)

    def destroyed(self, customer_id: uuid.UUID) -> None:
        if self.remote is not None:  # not running: there is no cache to drop it from
            self.remote.destroyed(customer_id)


class FieldsInClearForBenchmarks:
    """No keys: version 2 events are read with their personal fields as they come. Only for the
    clear round of ``bench/registrations.py``, which measures what sealing costs the pipeline
    against the same pipeline writing those fields in clear (``TRAINYARD_PERSONAL_FIELDS_IN_CLEAR``;
    production refuses it)."""

    async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> Mapping[uuid.UUID, bytes | None]:  # noqa: ARG002 (the protocol's signature)
        raise KeysUnavailable("personal fields are read in clear: there are no keys")

    def destroyed(self, customer_id: uuid.UUID) -> None:
        """Nothing is cached."""


def unsealing_keys(settings: ServiceSettings, keys: CustomerKeySource) -> CustomerKeySource:
    """What a consuming service opens version 2 events with: ``keys`` (customer-account's), unless
    the benchmark's clear round says the fields come in clear."""
    return FieldsInClearForBenchmarks() if settings.personal_fields_in_clear else keys


class FixedCustomerKeys:
    """Keys held in memory (tests, benchmarks): ``keys[id]`` (None: destroyed); one key for every
    other customer when ``default`` is given, otherwise ``KeysUnavailable`` (as if customer-account
    were away). ``lookups`` counts the calls, ``unavailable`` simulates an outage."""

    def __init__(self, keys: Mapping[uuid.UUID, bytes | None] | None = None, *, default: bytes | None = None) -> None:
        self.keys: dict[uuid.UUID, bytes | None] = dict(keys or {})
        self.default = default
        self.lookups = 0
        self.unavailable = False

    async def keys_for(self, customer_ids: Iterable[uuid.UUID]) -> Mapping[uuid.UUID, bytes | None]:
        self.lookups += 1
        if self.unavailable:
            raise KeysUnavailable("customer-account unreachable (simulated)")
        found: dict[uuid.UUID, bytes | None] = {}
        for customer_id in customer_ids:
            if customer_id in self.keys:
                found[customer_id] = self.keys[customer_id]
            elif self.default is not None:
                found[customer_id] = self.default
            else:
                raise KeysUnavailable(f"no key for {customer_id}")
        return found

    def destroyed(self, customer_id: uuid.UUID) -> None:
        self.keys[customer_id] = None
