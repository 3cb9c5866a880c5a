"""One-time set-password links (issue 15, item 16): a generated password is never e-mailed nor
kept in clear anywhere; the welcome e-mail carries a link holding a random token instead.

The token is 256 random bits; only its SHA-256 is stored (``sign_in.token_hash``: a stolen
database holds no usable link). It expires, and it is ended by its first use (and with it
every other link of that customer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from customer_account.domain.sign_in import new_token, token_hash
from trainyard_common.domain_errors import InvalidInput

LINK_PATH = "/password-setup"
"""Below the learner site's URL; the token follows in the fragment (``#token=``), which browsers
do not send to the site's server, so it lands in no access log."""


@dataclass(frozen=True, slots=True)
class SetupToken:
    token_hash: str
    customer_id: uuid.UUID
    created_at: datetime
    expires_at: datetime

    def usable(self, at: datetime) -> bool:
        return at < self.expires_at


def new_setup_token(customer_id: uuid.UUID, at: datetime, ttl: timedelta) -> tuple[str, SetupToken]:
    """The token (for the link, never stored) and what is stored of it."""
    token = new_token()
    return token, SetupToken(token_hash(token), customer_id, at, at + ttl)


def setup_link(site_url: str, token: str) -> str:
    return f"{site_url.rstrip('/')}{LINK_PATH}#token={token}"


class InvalidSetupToken(InvalidInput):
    """The link is unknown, already used, expired, or its account is gone (one answer for all)."""

    def __init__(self) -> None:
        super().__init__(
            "token",
            "unknown, already used or expired",
            message="The set-password link is not valid; ask for a new one.",
            code="invalid_setup_token",
        )
