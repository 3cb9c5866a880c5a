"""The console's session cookie and CSRF tokens (pure functions, no I/O).

The session is the admin's bearer token itself, in a cookie scripts cannot read (HttpOnly),
sent only to /admin (Path) and only by same-site navigations (SameSite=Strict), and only over
HTTPS outside development (Secure). Next to the token the cookie carries the username and role
for the page header: display only, the API decides what the token may do.

CSRF: every form carries ``csrf_token(secret)``, an HMAC-SHA256 keyed by the session's token
(before sign-in: by a random value in a short-lived pre-session cookie). A forger knows neither,
the gateway keeps no state for it, and any replica checks it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from trainyard_common.settings import Environment

SESSION_COOKIE = "trainyard_console"
PRE_SESSION_COOKIE = "trainyard_console_signin"
COOKIE_PATH = "/admin"
CSRF_FIELD = "csrf_token"
_CSRF_PURPOSE = b"trainyard-console-csrf-v1"
PRE_SESSION_SECONDS = 900


@dataclass(frozen=True)
class Session:
    token: str
    username: str
    role: str

    @property
    def may_write(self) -> bool:
        return self.role != "viewer"

    def encode(self) -> str:
        raw = json.dumps({"t": self.token, "u": self.username, "r": self.role}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Session | None:
        """The session in a cookie's value; None when absent or malformed."""
        if not value:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict):
            return None
        token, username, role = data.get("t"), data.get("u"), data.get("r")
        if not (isinstance(token, str) and isinstance(username, str) and isinstance(role, str)):
            return None
        if not (token and username and role):
            return None
        return cls(token=token, username=username, role=role)


def csrf_token(secret: str) -> str:
    """The CSRF token of forms signed with ``secret`` (the session token or the pre-session value)."""
    return hmac.new(secret.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def csrf_valid(secret: str | None, submitted: object) -> bool:
    """Whether ``submitted`` (a form field) is the CSRF token of ``secret``; constant time."""
    if not secret or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret), submitted)


def new_pre_session() -> str:
    return secrets.token_urlsafe(32)


def cookie_options(environment: Environment) -> dict[str, object]:
    """Attributes of every console cookie: Secure everywhere but development."""
    return {
        "path": COOKIE_PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": environment is not Environment.DEVELOPMENT,
    }


CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
