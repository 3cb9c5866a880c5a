"""client-directory's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, MetaData, Table, Text, Uuid

from trainyard_common.messaging.tables import messaging_metadata

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("industry", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

client_domains = Table(
    "client_domains",
    metadata,
    Column("domain", Text, primary_key=True),
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True),
)

client_aliases = Table(
    "client_aliases",
    metadata,
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("alias", Text, primary_key=True),
    Column("alias_key", Text, nullable=False, index=True),
)

learners = Table(
    "learners",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("organization", Text),
    Column("client_id", Uuid, ForeignKey("clients.id"), index=True),
    Column("reason", Text),
    Column("assigned_at", DateTime(timezone=True)),
)

# What Alembic compares this service's migrations against: its own tables and the shared ones.
ALL_METADATA = (metadata, messaging_metadata)
