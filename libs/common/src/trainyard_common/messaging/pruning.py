"""Pruning ``processed_events``: claims no redelivery can still need are deleted, hourly.

A claim (consumer group, event id) exists so that a redelivered event changes nothing. Without
pruning the table grows by a row per event and consuming service, forever. How long a claim
must live is how long a record carrying its event id can still come back:

* **From its event topic**: a redelivery, a rebalance, an offset reset to the earliest record
  (a rebuild). Kafka deletes a log segment once its newest record is older than the topic's
  retention (30 days, ``messaging/topics.py``), and the open segment rolls only every
  ``segment.ms`` (the broker's default, 7 days, since our topics do not set it): a record can
  be read up to retention + 7 days after it was written, and a claim is written after its
  record, so retention + 7 days covers it.
* **From a dead-letter topic** (kept 14 days, ``topics.DEAD_LETTER_RETENTION_DAYS``), by
  ``trainyard-dlq replay``. The group that dead-lettered the event never wrote a claim (its
  transaction rolled back with the failure), so for that group no claim age matters. But the
  replay publishes onto the event topic, where every *other* group consuming it sees the event
  again; those that had applied it skip it only while they still hold their claim. So a claim
  must also outlive the dead letters that may carry its event: 14 + 7 days (less than the event
  topics' 30 + 7 since issue 16).

Hence the default (``TRAINYARD_PROCESSED_EVENTS_KEEP_DAYS``): the longest retention of any
declared topic, dead letters included, plus the 7 days of a segment: 37 days since the dead
letters keep 14 (issue 16), the event topics' 30 + 7.

Deleting is done in chunks, each its own short transaction: a whole month of claims deleted in
one statement would hold its row locks and its snapshot for minutes. Rows another transaction
holds (another replica's pruning) are skipped, not waited for. An index on ``processed_at``
(``db/messaging_migration.py``) lets each chunk find its rows without reading the whole table.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from trainyard_common.logs import get_logger
from trainyard_common.messaging.topics import DAY_MS, all_topics

log = get_logger(__name__)

SEGMENT_DAYS = 7
"""The broker's default ``segment.ms``: how long past its retention a record may still be read."""
PRUNE_INTERVAL_SECONDS = 3600
PRUNE_CHUNK = 5000

_PRUNE = text(
    "DELETE FROM processed_events WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM processed_events WHERE processed_at < now() - CAST(:keep AS interval) "
    "LIMIT :chunk FOR UPDATE SKIP LOCKED))"
)


def default_keep_days() -> int:
    """The longest retention of any declared topic (dead letters included) plus a segment's days."""
    return max(spec.retention_ms for spec in all_topics()) // DAY_MS + SEGMENT_DAYS


async def prune_processed_events(engine: AsyncEngine, keep: timedelta, chunk: int = PRUNE_CHUNK) -> int:
    """Delete the claims older than ``keep``, ``chunk`` rows per transaction; return how many."""
    deleted = 0
    while True:
        async with engine.begin() as conn:
            count = (await conn.execute(_PRUNE, {"keep": keep, "chunk": chunk})).rowcount
        deleted += count
        if count < chunk:
            break
    if deleted:
        log.info("pruned processed_events", deleted=deleted, older_than_days=keep.days)
    return deleted
