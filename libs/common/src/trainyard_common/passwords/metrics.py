"""The sign-in throttle's metric, shared by every service that signs anyone in (one definition
per process: prometheus_client refuses a second one of the same name)."""

from __future__ import annotations

from prometheus_client import Counter

SIGN_IN_THROTTLED = Counter(
    "trainyard_sign_in_throttled_total",
    "Sign-in attempts slowed or refused by the throttle: who (admin, learner) and scope "
    "(username_address: 429 for that pair; username: delayed; address: 429 for a large volume).",
    ["who", "scope"],
)
