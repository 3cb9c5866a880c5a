"""Every topic Trainyard uses, declared once: event topics and their dead-letter twins.

Services never rely on auto-created topics: ``trainyard-topics ensure`` creates what is
missing (idempotently) before the services start.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainyard_common.contracts.registry import ALL_EVENTS
from trainyard_common.messaging.dead_letters import dlq_topic

DAY_MS = 24 * 60 * 60 * 1000

EVENT_RETENTION_DAYS = 30
"""Event topics: the replay window. A projection is rebuilt (a restored backup, a new subscriber, an
offset reset) from what its topics still hold, so they keep a month: a week's backups and a
month-end look back both fit. Personal fields in them are the privacy cost: with crypto-shredding
(issue 16, item 1) they are unreadable from the customer's erasure on, whatever the retention; until
then an erased customer's e-mail and names in clear outlive the erasure by at most 30 days (plus a
segment's 7 days, ``messaging/pruning.py``), within GDPR's one month (+ segment) for an erasure."""

DEAD_LETTER_RETENTION_DAYS = 14
"""Dead-letter topics: long enough to be looked at and replayed (the ``TrainyardDeadLetters`` alert
fires within minutes; two weeks cover a holiday), and no longer: a dead letter is a copy of an event
kept *after* its topic's copy would be deleted, so a long dead-letter retention (90 days before
issue 16) is where personal data lived longest. 14 days is shorter than the event topics' 30, so no
dead letter outlives the event it copies, and the processed-events claims' default keep (the
longest retention + 7 days) falls from 97 days to 37."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int = 6
    retention_ms: int = EVENT_RETENTION_DAYS * DAY_MS
    cleanup_policy: str = "delete"

    def config(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


def all_topics(partitions: int = 6, prefix: str = "") -> list[TopicSpec]:
    """Event topics keep ``EVENT_RETENTION_DAYS`` (30), dead letters ``DEAD_LETTER_RETENTION_DAYS`` (14)."""
    specs: list[TopicSpec] = []
    for event in ALL_EVENTS:
        topic = prefix + event.topic()
        specs.append(TopicSpec(topic, partitions=partitions))
        specs.append(TopicSpec(dlq_topic(topic), partitions=1, retention_ms=DEAD_LETTER_RETENTION_DAYS * DAY_MS))
    return specs
