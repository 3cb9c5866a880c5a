"""Issue 16, item 5: retention settled with privacy in mind — dead letters (copies of events that may
carry personal data) keep 14 days, never longer than the events they copy; event topics keep the
30-day replay window; the processed-events claims outlive the longest of them by a segment."""

from __future__ import annotations

from trainyard_common.messaging.dead_letters import DLQ_SUFFIX
from trainyard_common.messaging.pruning import SEGMENT_DAYS, default_keep_days
from trainyard_common.messaging.topics import DAY_MS, all_topics


def test_dead_letters_keep_two_weeks_and_never_outlive_the_events_they_copy() -> None:
    specs = all_topics()
    dead_letters = {s.retention_ms // DAY_MS for s in specs if s.name.endswith(DLQ_SUFFIX)}
    events = {s.retention_ms // DAY_MS for s in specs if not s.name.endswith(DLQ_SUFFIX)}
    assert (dead_letters, events) == ({14}, {30})
    assert default_keep_days() == 30 + SEGMENT_DAYS
