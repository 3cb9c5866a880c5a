"""How failed admin sign-ins slow further attempts down (issue 15, item 1).

Failures are counted three ways, from the audit trail (so across replicas):

* per (username, address): after ``max_failures_per_username_and_ip`` failures in the window,
  that pair gets 429 with ``Retry-After`` until the oldest of those failures leaves the window;
* per username, from anywhere: never a block. After ``delay_after_failures`` failures, each
  further attempt waits ``delay_base_seconds * 2 ** (failures - delay_after_failures)`` seconds,
  at most ``delay_max_seconds``, before the password is checked: guessing slows to a crawl, but
  the right password from another address still signs in;
* per address, any username: only large volumes (``max_failures_per_ip``) get 429.

A success resets the per-username and per-pair counts (failures before it no longer count).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ThrottleScope(StrEnum):
    USERNAME_AND_ADDRESS = "username_address"
    USERNAME = "username"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class SignInThrottle:
    window_seconds: int = 900
    max_failures_per_username: int = 5
    """Failures of one username (from anywhere) after which every attempt is delayed."""
    max_failures_per_ip: int = 100
    """Failures from one address (any username) after which that address gets 429."""
    max_failures_per_username_and_ip: int = 5
    """Failures of one username from one address after which that pair gets 429."""
    delay_base_seconds: float = 0.5
    delay_max_seconds: float = 5.0

    def delay_for(self, username_failures: int) -> float:
        """Seconds to wait before checking the password of a username with that many failures."""
        beyond = username_failures - self.max_failures_per_username
        if beyond < 0:
            return 0.0
        return float(min(self.delay_max_seconds, self.delay_base_seconds * 2 ** min(beyond, 32)))

    def pair_retry_after(self, newest_failures: Sequence[datetime], now: datetime) -> int | None:
        """Seconds until the pair may try again, or None when it may now.

        ``newest_failures``: the pair's failures in the window, newest first."""
        limit = self.max_failures_per_username_and_ip
        if len(newest_failures) < limit:
            return None
        frees_at = newest_failures[limit - 1] + timedelta(seconds=self.window_seconds)
        return max(1, math.ceil((frees_at - now).total_seconds()))
