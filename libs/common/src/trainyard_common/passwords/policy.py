"""The password policy every service applies (OWASP ASVS 5.0 V6.2): at least ``MIN_LENGTH``
characters, at most ``MAX_LENGTH``, and not on the common-passwords list shipped with the
project (``common-passwords.txt``, compared case-insensitively; its header names its source and
licence). No composition rules (ASVS: none required); spaces count like any character.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

MIN_LENGTH = 12
MAX_LENGTH = 256
"""As the API bodies allow: long enough for any passphrase, bounds what one request hashes."""

_LIST = "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (read once)."""
    text = files(__package__).joinpath(_LIST).read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    return password.strip().casefold() in common_passwords()


def check_password(password: str) -> str | None:
    """``None`` when ``password`` is acceptable, else the reason, fit to show the user."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if not password.strip():
        return "must not be only spaces"
    if is_common(password):
        return "is too common: it is on a list of frequently used passwords; choose another"
    return None
