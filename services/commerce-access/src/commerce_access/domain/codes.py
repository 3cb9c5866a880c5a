"""Registration codes: the seats of a multi-seat order, handed out by the purchaser.

A code is held by at most one user at a time; removing the redemption frees it again.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

# No 0/O, 1/I/L: codes are read aloud and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 3, 4


def new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def normalise(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class RegistrationCode:
    code: str
    order_id: uuid.UUID
    purchaser_id: uuid.UUID
    product_id: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Redemption:
    id: uuid.UUID
    code: str
    customer_id: uuid.UUID
    access_id: uuid.UUID
    redeemed_at: datetime
    impersonated_by: str | None = None
    """The admin who redeemed the code while impersonating the customer (None: the customer did)."""


@dataclass(frozen=True, slots=True)
class Invitation:
    """The purchaser's pending invitation of someone, by e-mail, to one code (at most one per code:
    inviting again replaces it). A redemption, by whoever, ends the pending state."""

    code: str
    invitee_email: str
    invited_at: datetime
    invited_by: uuid.UUID
    impersonated_by: str | None = None
    """The admin who sent it while impersonating the purchaser (None: the purchaser did)."""


class CodeState:
    AVAILABLE = "available"
    PENDING_INVITE = "pending_invite"
    REDEEMED = "redeemed"


def state_of(*, redeemed: bool, invited: bool) -> str:
    """Redeemed wins over an invitation; an invitation makes a free code pending."""
    if redeemed:
        return CodeState.REDEEMED
    return CodeState.PENDING_INVITE if invited else CodeState.AVAILABLE


def normalise_email(email: str) -> str:
    return email.strip()
