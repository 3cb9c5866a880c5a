"""The customers' own keys (crypto-shredding, issue 16): served to the services that seal or read
personal fields; a customer from before keys gets one when first asked; erased or deleted, never
again."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from customer_account.domain.customer import now
from customer_account.domain.errors import CustomerNotFound
from customer_account.service_layer.unit_of_work import CustomerUnitOfWork


async def customer_key(uow: CustomerUnitOfWork, customer_id: uuid.UUID) -> bytes | None:
    """The customer's data key; None: destroyed (the customer was erased or deleted)."""
    async with uow:
        key = await uow.keys.key_of(customer_id)
        if key is not None:
            return key
        request = await uow.erasures.request(customer_id)
        # Locked like ``erasure.erase`` locks it: a key is never created after the erasure committed.
        customer = await uow.customers.get(customer_id, for_update=True)
        if customer is None:
            if request is not None:  # deleted: the certificate outlives the customer
                return None
            raise CustomerNotFound(customer_id)
        if customer.erased or (request is not None and request[2] is not None):
            return None
        await uow.keys.create([customer_id], now())  # a customer from before keys (0010)
        key = await uow.keys.key_of(customer_id)  # ours, or a concurrent request's
        await uow.commit()
    return key


@dataclass(frozen=True, slots=True)
class KeyLookup:
    keys: dict[uuid.UUID, bytes] = field(default_factory=dict)
    destroyed: list[uuid.UUID] = field(default_factory=list)
    unknown: list[uuid.UUID] = field(default_factory=list)


async def customer_keys(uow: CustomerUnitOfWork, customer_ids: Sequence[uuid.UUID]) -> KeyLookup:
    """The keys of a whole batch: the stored ones in one statement; each customer without one goes
    through ``customer_key`` (a customer from before keys gets one; erased or deleted: destroyed;
    no such customer: unknown). Rare after the first ask, since consumers cache both answers."""
    wanted = list(dict.fromkeys(customer_ids))
    async with uow:
        stored = await uow.keys.keys_of(wanted)
    found = KeyLookup(keys=dict(stored))
    for customer_id in wanted:
        if customer_id in stored:
            continue
        try:
            key = await customer_key(uow, customer_id)
        except CustomerNotFound:
            found.unknown.append(customer_id)
            continue
        if key is None:
            found.destroyed.append(customer_id)
        else:
            found.keys[customer_id] = key
    return found


async def rotate(uow: CustomerUnitOfWork, batch: int) -> int:
    """Re-wrap every key not wrapped by the first KEK, ``batch`` keys per transaction; returns how
    many. Idempotent and resumable: only keys still under an older KEK are read, so a run stopped
    half-way (or a second run) goes on where the committed batches end."""
    total = 0
    while True:
        async with uow:
            done = await uow.keys.rewrap_batch(batch)
            await uow.commit()
        total += done
        if done < batch:
            return total
