"""argon2id password hashes (argon2-cffi's defaults follow RFC 9106's recommendations).

Hashing and verifying are deliberately slow and CPU-bound: call them through
``asyncio.to_thread`` from async code.
"""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError

from trainyard_common.passwords.hashing import PasswordHashCost, password_hasher


class Argon2Passwords:
    def __init__(self, cost: PasswordHashCost = PasswordHashCost.RFC_9106_LOW_MEMORY) -> None:
        self._hasher = password_hasher(cost)
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check ``password``. Without a hash (unknown user) spend the same time, then say no."""
        try:
            matches = self._hasher.verify(password_hash or self._decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            return False
        return matches and password_hash is not None

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self._hasher.hash("decoy: compared against when the username is unknown")
        return self._decoy
