"""customer-account's own tables (the outbox and processed_events come from trainyard_common)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid

from trainyard_common.messaging.tables import messaging_metadata

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text, nullable=False, unique=True),
    Column("organization", Text),
    Column("password_hash", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# What Alembic compares this service's migrations against: its own tables and the shared ones.
ALL_METADATA = (metadata, messaging_metadata)
