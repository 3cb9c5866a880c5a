"""Customers' data keys (32 random bytes) wrapped by a key-encryption key (KEK) before they are
stored. KEKs come from ``TRAINYARD_KEY_ENCRYPTION_KEYS`` (``id:base64key,id2:base64key``): the
first wraps new keys, every one unwraps — rotated like the service keys: add the new one behind
the old everywhere, move it first, run ``customer-account rotate-kek``, then drop the old one.

A wrapped key is AES-256-GCM of the data key under the KEK, the KEK's id as associated data:
nonce (12 bytes) || ciphertext || tag."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trainyard_common.privacy.sealing import KEY_BYTES, NONCE_BYTES, Unreadable

DEVELOPMENT_KEK_ID = "dev"
DEVELOPMENT_KEK = base64.b64encode(b"trainyard-dev-only-kek-not-safe!").decode("ascii")
"""The default KEK, so a service starts by hand; production refuses it (``ServiceSettings``)."""
DEVELOPMENT_KEYS_SETTING = f"{DEVELOPMENT_KEK_ID}:{DEVELOPMENT_KEK}"


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def wrap(data_key: bytes, kek: bytes, kek_id: str) -> bytes:
    return KeyEncryptionKeys(((kek_id, kek),)).wrap(data_key)[0]


def unwrap(wrapped: bytes, kek: bytes, kek_id: str) -> bytes:
    return KeyEncryptionKeys(((kek_id, kek),)).unwrap(wrapped, kek_id)


@dataclass(frozen=True, slots=True)
class KeyEncryptionKeys:
    """The KEKs by id, the one wrapping new keys first."""

    keys: tuple[tuple[str, bytes], ...]
    _ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)
    """Each KEK's AES-GCM, made once: making one costs as much as the wrap itself."""

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("at least one key-encryption key is needed")
        ids = [kek_id for kek_id, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise ValueError("key-encryption key ids must differ")
        for kek_id, kek in self.keys:
            if not kek_id or len(kek) != KEY_BYTES:
                raise ValueError(f"key-encryption key {kek_id!r}: an id and {KEY_BYTES} bytes are needed")
        object.__setattr__(self, "_ciphers", {kek_id: AESGCM(kek) for kek_id, kek in self.keys})

    @classmethod
    def parse(cls, setting: str | Sequence[str]) -> KeyEncryptionKeys:
        """``id:base64key,id2:base64key`` (or its items)."""
        items = setting.split(",") if isinstance(setting, str) else list(setting)
        parsed: list[tuple[str, bytes]] = []
        for item in (i.strip() for i in items):
            if not item:
                continue
            kek_id, sep, encoded = item.partition(":")
            if not sep:
                raise ValueError("a key-encryption key is written id:base64key")
            try:
                text = encoded.strip().replace("-", "+").replace("_", "/")
                kek = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            except (binascii.Error, ValueError) as error:
                raise ValueError(f"key-encryption key {kek_id!r} is not base64") from error
            parsed.append((kek_id.strip(), kek))
        return cls(tuple(parsed))

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def wrap(self, data_key: bytes) -> tuple[bytes, str]:
        """The data key wrapped with the first KEK, and that KEK's id."""
        if len(data_key) != KEY_BYTES:
            raise ValueError(f"data keys are {KEY_BYTES} bytes")
        return self._wrap(data_key, os.urandom(NONCE_BYTES)), self.current_id

    def new_keys(self, count: int) -> list[tuple[bytes, bytes]]:
        """``count`` new data keys, each with its wrapping by the first KEK (``current_id``): one
        call for all the random bytes (a system call per key and per nonce was half the cost)."""
        size = KEY_BYTES + NONCE_BYTES
        randomness = os.urandom(size * count)
        made = []
        for start in range(0, size * count, size):
            key, nonce = randomness[start : start + KEY_BYTES], randomness[start + KEY_BYTES : start + size]
            made.append((key, self._wrap(key, nonce)))
        return made

    def _wrap(self, data_key: bytes, nonce: bytes) -> bytes:
        kek_id = self.current_id
        return nonce + self._ciphers[kek_id].encrypt(nonce, data_key, kek_id.encode("utf-8"))

    def unwrap(self, wrapped: bytes, kek_id: str) -> bytes:
        cipher = self._ciphers.get(kek_id)
        if cipher is None:
            raise Unreadable(f"no key-encryption key {kek_id!r} is configured")
        try:
            return cipher.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], kek_id.encode("utf-8"))
        except (InvalidTag, ValueError) as error:
            raise Unreadable(f"the key does not unwrap with KEK {kek_id!r}") from error

    def rewrap(self, wrapped: bytes, kek_id: str) -> tuple[bytes, str]:
        return self.wrap(self.unwrap(wrapped, kek_id))

    @property
    def development(self) -> bool:
        return any(kek == base64.b64decode(DEVELOPMENT_KEK) for _, kek in self.keys)
