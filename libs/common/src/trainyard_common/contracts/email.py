"""E-mail addresses in events: what pydantic's ``EmailStr`` accepts, checked at the speed of a batch.

``EmailStr`` runs the full check of ``email_validator`` (syntax, IDNA, deliverability rules of
the domain) on every address: a fifth of a consumer's CPU per UserRegistered. Nearly every
address is a plain dot-atom local part at one of a few domains, and the domain is the costly
half: it is checked in full once (cached) and its normalised form reused. Anything unusual (a
quoted or non-ASCII local part, a very long address) takes the full check. Either way the
answer and the normalised value are exactly ``EmailStr``'s (tested side by side).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated

from pydantic import AfterValidator, EmailStr, TypeAdapter, ValidationError, WithJsonSchema

_FULL_CHECK = TypeAdapter(EmailStr)
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")
_MAX_LOCAL, _MAX_ADDRESS = 64, 254


def checked_email(address: str) -> str:
    """``address`` as ``EmailStr`` normalises it; ``ValueError`` if ``EmailStr`` refuses it."""
    local, at, domain = address.rpartition("@")
    if at and len(local) <= _MAX_LOCAL and len(address) <= _MAX_ADDRESS and _PLAIN_LOCAL.fullmatch(local):
        normalised = _normalised_domain(domain)
        if normalised is None:
            raise ValueError("this is not a valid e-mail address: its domain is refused")  # no value: errors get logged
        return f"{local}@{normalised}"
    return _full_check(address)


@functools.lru_cache(maxsize=4096)
def _normalised_domain(domain: str) -> str | None:
    try:
        return _full_check(f"a@{domain}").rpartition("@")[2]
    except ValueError:
        return None


def _full_check(address: str) -> str:
    try:
        return str(_FULL_CHECK.validate_python(address))
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None


Email = Annotated[str, AfterValidator(checked_email), WithJsonSchema({"type": "string", "format": "email"})]
"""An e-mail address in an event (validated and normalised as ``EmailStr`` does)."""
