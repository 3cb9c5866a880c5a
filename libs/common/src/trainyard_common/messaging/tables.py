"""The two tables every service's database has for reliable messaging.

``outbox``: events written in the same transaction as the state change they describe; the
relay publishes and deletes them. ``processed_events``: ids of consumed events, written in
the same transaction as the handler's effects, so a redelivered event changes nothing.
Each service's Alembic environment includes ``messaging_metadata`` next to its own.

``OUTBOX_WAKEUP``: a statement trigger on ``outbox`` that notifies ``OUTBOX_CHANNEL`` (delivered
only when the transaction commits, once per transaction however many rows it wrote), so a relay
in any process — the one replica holding the relay lock — wakes at every commit with events,
not only at those of its own process (``messaging/relay.py``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("topic", Text, nullable=False),
    Column("message_key", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

OUTBOX_CHANNEL = "trainyard_outbox"

OUTBOX_WAKEUP = (
    f"""CREATE OR REPLACE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS outbox_wakeup ON outbox",
    "CREATE TRIGGER outbox_wakeup AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()",
)
"""Statements creating (or re-creating) the wake-up trigger."""

OUTBOX_WAKEUP_DROP = ("DROP TRIGGER IF EXISTS outbox_wakeup ON outbox", "DROP FUNCTION IF EXISTS notify_outbox()")

processed_events = Table(
    "processed_events",
    messaging_metadata,
    Column("consumer_group", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The pruning job finds old claims by it (messaging/pruning.py, db/messaging_migration.py).
    Index("ix_processed_events_processed_at", "processed_at"),
)
