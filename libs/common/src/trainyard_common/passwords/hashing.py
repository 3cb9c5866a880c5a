"""How much an argon2id password hash costs: one setting for every service that hashes passwords.

Production hashes with RFC 9106's low-memory profile (argon2-cffi's default: 64 MiB and three
passes, ~120 ms of CPU per hash on the reference machine): that cost is what protects a stolen
hash. The test suite signs in, registers and creates admins thousands of times on two cores, and
each hash would cost the same; it runs with argon2-cffi's ``CHEAPEST`` profile, which exists for
tests. The hashes stay argon2id, verified and upgraded by the same code. Production refuses it.
"""

from __future__ import annotations

from enum import StrEnum

from argon2 import PasswordHasher, profiles


class PasswordHashCost(StrEnum):
    RFC_9106_LOW_MEMORY = "rfc9106-low-memory"
    TESTS_ONLY = "tests-only"


_PROFILES = {
    PasswordHashCost.RFC_9106_LOW_MEMORY: profiles.RFC_9106_LOW_MEMORY,
    PasswordHashCost.TESTS_ONLY: profiles.CHEAPEST,
}


def password_hasher(cost: PasswordHashCost = PasswordHashCost.RFC_9106_LOW_MEMORY) -> PasswordHasher:
    return PasswordHasher.from_parameters(_PROFILES[cost])
