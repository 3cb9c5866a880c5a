"""Every topic Trainyard uses, declared once: event topics and their dead-letter twins.

Services never rely on auto-created topics: ``trainyard-topics ensure`` creates what is
missing (idempotently) before the services start.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainyard_common.contracts.registry import ALL_EVENTS
from trainyard_common.messaging.dead_letters import dlq_topic

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS
    cleanup_policy: str = "delete"

    def config(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


def all_topics(partitions: int = 6, prefix: str = "") -> list[TopicSpec]:
    """Event topics keep 30 days; dead letters keep 90, long enough for someone to look."""
    specs: list[TopicSpec] = []
    for event in ALL_EVENTS:
        topic = prefix + event.topic()
        specs.append(TopicSpec(topic, partitions=partitions))
        specs.append(TopicSpec(dlq_topic(topic), partitions=1, retention_ms=90 * DAY_MS))
    return specs
