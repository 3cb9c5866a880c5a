"""Password hashes: argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).

A password the system generated is 128+ random bits: nobody can guess it, so it needs no key
stretching. An import stores such passwords as a salted SHA-256 (``gen-sha256$``) — hashing
100,000 of them with argon2id would take the import an hour on two cores — and the first
sign-in re-hashes them with argon2id. Passwords people chose are always argon2id; an import
hashes them in a process pool, off the event loop and across cores.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import multiprocessing
import os
import secrets
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from argon2.exceptions import InvalidHashError, VerificationError

from customer_account.domain.sign_in import require_acceptable_password
from trainyard_common.passwords import HashingGate
from trainyard_common.passwords.hashing import PasswordHashCost, password_hasher

GENERATED_PREFIX = "gen-sha256$"
GENERATED_BYTES = 18  # 144 bits, 24 characters


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_BYTES)


def hash_password(password: str) -> str:
    return _Current.hasher.hash(password)


def hash_many(passwords: Sequence[str], cost: PasswordHashCost) -> list[str]:
    """For the process pool: one task per chunk, not per password (pickling costs). ``cost``
    travels with the chunk: a spawned worker does not share this process's settings."""
    hasher = password_hasher(cost)
    return [hasher.hash(p) for p in passwords]


def hash_generated(password: str) -> str:
    """Only for passwords from ``generate_password``: salted SHA-256, upgraded at first sign-in."""
    salt = secrets.token_hex(8)
    return f"{GENERATED_PREFIX}{salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    if password_hash.startswith(GENERATED_PREFIX):
        salt, _, digest = password_hash.removeprefix(GENERATED_PREFIX).partition("$")
        return hmac.compare_digest(digest, hashlib.sha256((salt + password).encode()).hexdigest())
    try:
        return _Current.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return password_hash.startswith(GENERATED_PREFIX) or _Current.hasher.check_needs_rehash(password_hash)


def dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so timing does not reveal it (made
    once per cost, at the first such sign-in)."""
    if _Current.dummy_hash is None:
        _Current.dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _Current.dummy_hash


# Every argon2id hash in this process (sign-in, registration, password changes) takes a slot of
# one ``HashingGate``: each hash holds 64 MiB, so the gate is sized from memory (and kept to half
# the cores: more at once only queue up in threads and starve the event loop). Beyond it, after a
# short wait, ``HashingBusy``: 503 with Retry-After. ``bootstrap`` sizes it from the settings.
class _Current:
    gate = HashingGate(max(1, (os.cpu_count() or 2) // 2))
    cost = PasswordHashCost.RFC_9106_LOW_MEMORY
    hasher = password_hasher(cost)
    dummy_hash: str | None = None


def use_password_hash_cost(cost: PasswordHashCost) -> None:
    """argon2id's parameters for every hash of this process from now on (set once, at start-up)."""
    _Current.cost, _Current.hasher, _Current.dummy_hash = cost, password_hasher(cost), None


def hashing_gate(
    memory_bytes: int | None, *, slots: int | None = None, wait_seconds: float = 2.0, cpus: int | None = None
) -> HashingGate:
    """``slots`` when given, else half of ``memory_bytes`` (None: the cgroup's limit or the
    machine's) in 64 MiB hashes, at most half the cores."""
    if slots is None:
        by_memory = HashingGate.sized_for(memory_bytes).slots
        slots = min(by_memory, max(1, (cpus or os.cpu_count() or 2) // 2))
    return HashingGate(slots, wait_seconds=wait_seconds)


def use_hashing_gate(gate: HashingGate) -> None:
    """The gate every hash of this process waits at from now on (set once, at start-up)."""
    _Current.gate = gate


def current_hashing_gate() -> HashingGate:
    return _Current.gate


async def hash_async(password: str) -> str:
    """argon2id off the event loop, a bounded number at a time."""
    async with _Current.gate.slot():
        return await asyncio.to_thread(hash_password, password)


async def hash_chosen(password: str, field_name: str = "password") -> str:
    """A password someone chose (not generated): the policy first (``WeakPassword``: 422 naming
    ``field_name``), then argon2id."""
    require_acceptable_password(password, field_name)
    return await hash_async(password)


async def verify_async(password_hash: str | None, password: str) -> bool:
    async with _Current.gate.slot():
        return await asyncio.to_thread(verify_password, password_hash, password)


class HashingPool:
    """argon2id across processes; created on first use, closed with the service."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def hash_all(self, passwords: Sequence[str]) -> list[str]:
        if not passwords:
            return []
        if self._pool is None:
            # spawn, not fork: a forked child of this threaded, async process could inherit a held lock
            self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"))
        loop = asyncio.get_running_loop()
        size = max(1, -(-len(passwords) // self._workers))
        chunks = [passwords[i : i + size] for i in range(0, len(passwords), size)]
        hashed = (loop.run_in_executor(self._pool, hash_many, chunk, _Current.cost) for chunk in chunks)
        results = await asyncio.gather(*hashed)
        return [h for chunk in results for h in chunk]

    async def aclose(self) -> None:
        """``contextlib.aclosing``: the service closes the pool when it stops."""
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class Passwords:
    """What the use cases need of password hashing; the unit of work hands it to them, so the
    service layer names no hashing library."""

    dummy_hash = staticmethod(dummy_hash)
    """Verified against when the e-mail is unknown, so timing does not reveal it."""

    generate = staticmethod(generate_password)
    hash = staticmethod(hash_async)
    hash_chosen = staticmethod(hash_chosen)
    hash_generated = staticmethod(hash_generated)
    verify = staticmethod(verify_async)
    needs_rehash = staticmethod(needs_rehash)
