"""Prometheus metrics every service exposes on ``/metrics``.

Defined once per process (prometheus_client's registry is process-wide by design); labels
carry the topic or route, never ids, so cardinality stays bounded.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "trainyard_messages_consumed_total",
    "Messages a consumer finished, by outcome: processed, duplicate (skipped) or dead_lettered.",
    ["topic", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "trainyard_handler_seconds",
    "Time from taking a partition's batch to finishing it (splits and retries included).",
    ["topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HANDLER_FAILURES = Counter(
    "trainyard_handler_failures_total",
    "Failed attempts: transient (infrastructure, retried without limit) or message (counted towards the DLQ).",
    ["topic", "kind"],
)
DEAD_LETTERS = Counter("trainyard_dead_letters_total", "Messages sent to a dead-letter topic.", ["topic"])
MESSAGES_PUBLISHED = Counter(
    "trainyard_messages_published_total", "Events the outbox relay published to Kafka.", ["topic"]
)
OUTBOX_BACKLOG = Gauge("trainyard_outbox_backlog", "Outbox rows not yet published.")
OUTBOX_OLDEST_SECONDS = Gauge(
    "trainyard_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when empty)."
)
OUTBOX_RELAY_FAILURES = Counter(
    "trainyard_outbox_relay_failures_total",
    "Relay cycles that failed (Kafka or the database away): nothing deleted, the rows are sent again.",
)
CONSUMER_LAG = Gauge(
    "trainyard_consumer_lag",
    "Messages on a partition not yet finished by this consumer (high watermark minus next offset).",
    ["topic", "partition"],
)
HTTP_REQUESTS = Counter(
    "trainyard_http_requests_total",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "trainyard_http_request_seconds",
    "HTTP request latency by route template.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
